"""A new customer signs up through the REST API, confirms the e-mail, and lands in their own admin."""
import re

from tests.browser.support import PASSWORD, login, signup_and_verify


def test_a_new_customer_signs_up_and_signs_in(page, live_server, screenshot):
    page.goto("/admin/login/")
    screenshot(page, "login")

    signup_and_verify(live_server.url, username="ingrid", company="Acme AS")
    login(page, username="ingrid", password=PASSWORD)
    screenshot(page, "admin-home")
    assert page.locator("#user-tools").inner_text().upper().startswith("WELCOME")


def test_an_unconfirmed_account_cannot_sign_in(page, live_server):
    import requests

    requests.post(f"{live_server.url}/api/v1/signup", timeout=30, json={
        "username": "olav", "email": "olav@example.com", "password": PASSWORD, "company_name": "Olav AS"})
    page.goto("/admin/login/")
    page.fill("#id_username", "olav")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert re.search(r"/admin/login/", page.url)
    assert page.locator(".errornote").is_visible()
