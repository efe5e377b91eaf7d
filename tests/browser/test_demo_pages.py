"""The demo's main pages, opened in Chromium from `manage.py demo` itself (DEBUG off, as shipped): every asset
loads and nothing is logged as a console error."""
import re

import pytest

from mlconnector.devkeys import dev_secret
from tests.support.embedded import demo_process

pytestmark = pytest.mark.worker


def test_the_demo_pages_load_with_all_their_assets(chromium_browser, tmp_path, screenshot):
    password = dev_secret(tmp_path, "demo_password")  # the demo user's, as the demo will read it
    with demo_process(tmp_path) as demo:
        demo.wait_ready()
        dashboard = re.search(r"Dashboard: +\S+(/admin/syncs/integration/\d+/dashboard/)", demo.output.read_text())
        context = chromium_browser.new_context(base_url=demo.web, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        broken, errors = [], []
        page.on("response", lambda response: response.status >= 400 and broken.append(
            f"{response.status} {response.url}"))
        page.on("requestfailed", lambda request: broken.append(f"failed {request.url}: {request.failure}"))
        page.on("console", lambda message: message.type == "error" and errors.append(
            f"{page.url}: {message.text} ({message.location.get('url')})"))
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

        page.goto("/admin/login/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/$"))
        styled = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
        # Each page with what shows it rendered (Swagger UI builds its page from the schema in the browser).
        for path, rendered in [("/admin/", "#content-main"), (dashboard.group(1), "#content-main"),
                               ("/admin/wizard/", "#content"), ("/api/docs/", ".swagger-ui .info .title")]:
            page.goto(path, wait_until="networkidle")
            assert broken == [] and errors == [], "\n".join(broken + errors)
            page.wait_for_selector(rendered)
            screenshot(page, f"demo {path}")
        context.close()

    assert broken == [] and errors == [], "\n".join(broken + errors)
    assert styled not in ("", "rgba(0, 0, 0, 0)"), "the admin's stylesheet did not apply"
