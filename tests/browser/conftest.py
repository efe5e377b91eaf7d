"""Browser tests: Playwright drives Debian's Chromium against the app served by pytest-django's live server.

Playwright's own browser download needs the internet, so we launch the system Chromium (installed by
`make browser`). Without it they fail, saying how to install it; they are skipped only when SKIP_BROWSER=1 asks.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings


# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test code itself
# (fixtures, assertions) would otherwise be refused as "async unsafe". They are not concurrent with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags that keep Chromium off the network it cannot reach here (and off the sandbox it cannot have as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: run `make browser` (installs Debian's chromium)."
        if os.environ.get("SKIP_BROWSER") == "1":  # an explicit opt-out only, never a silent pass
            pytest.skip(message)
        pytest.fail(message + " Or set SKIP_BROWSER=1 to leave the browser tests out.")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


class Screenshots:
    """Saves full-page screenshots under var/screenshots, or SCREENSHOT_DIR (docs/screenshots via `make screenshots`)."""

    def __init__(self):
        self.folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.VAR_DIR) / "screenshots")
        if not self.folder.is_absolute():
            self.folder = ROOT / self.folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str) -> Path:
        path = self.folder / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screenshot():
    return Screenshots()
