"""Steps the browser tests share: a customer signs up through the REST API, confirms, and signs in."""
from __future__ import annotations

import re

import requests
from django.core import mail

PASSWORD = "plum-harbour-lantern-42"
FACTORY_PASSWORD = "correct horse battery staple"  # tests/factories.py: the `owner` fixture's


def signed_in(browser, live_server, *, width: int, height: int = 900, username: str = "owner",
              **options):
    """A browser context of the given viewport (and Playwright context options, e.g. color_scheme), signed in
    as a factory-made user; (context, page)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", FACTORY_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    return context, page


def signup_and_verify(live_server_url: str, *, username: str = "ingrid", company: str = "Acme AS") -> str:
    """Sign up over real HTTP, confirm with the token from the e-mail; returns the new tenant's slug."""
    api = f"{live_server_url}/api/v1"
    created = requests.post(f"{api}/signup", timeout=30, json={
        "username": username, "email": f"{username}@example.com", "password": PASSWORD, "company_name": company})
    assert created.status_code == 201, created.text
    message = next(m for m in reversed(mail.outbox) if m.to == [f"{username}@example.com"])
    token = re.search(r"^    (\S+:\S+:\S+)$", message.body, re.MULTILINE).group(1)
    verified = requests.post(f"{api}/signup/verify", json={"token": token}, timeout=30)
    assert verified.status_code == 200, verified.text
    return created.json()["tenant"]


def login(page, *, username: str, password: str = PASSWORD) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
