"""The Rippling sandbox's App Shop side: OAuth installs (docs/vendors/rippling.md §1) and webhooks (§8)."""
import time
from urllib.parse import parse_qs, urlsplit

import requests

from sandbox.vendors.rippling import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from tests.support.webhook_receiver import WebhookReceiver

BASIC = (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET)
REDIRECT = "https://connector.example.com/admin/rippling/callback/"


def token_url(sandbox):
    return f"{sandbox.url}/rippling/api/o/token/"


def installed(sandbox):
    answer = requests.get(f"{sandbox.url}/rippling/o/authorize", allow_redirects=False, timeout=5, params={
        "client_id": OAUTH_CLIENT_ID, "redirect_uri": REDIRECT, "state": "s1", "response_type": "code"})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def test_it_exchanges_a_code_for_36_hour_tokens_and_rotates_the_refresh_token(sandbox):
    code = installed(sandbox)
    tokens = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}).json()
    assert tokens["expires_in"] == 129600 and tokens["token_type"] == "Bearer"
    workers = requests.get(f"{sandbox.url}/rippling/workers/", timeout=5,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert workers.status_code == 200

    again = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # a code works once

    refreshed = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    reused = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 400


def test_it_refuses_wrong_client_credentials(sandbox):
    answer = requests.post(token_url(sandbox), auth=(OAUTH_CLIENT_ID, "wrong"), timeout=5, data={
        "grant_type": "authorization_code", "code": installed(sandbox), "redirect_uri": REDIRECT})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_terminating_the_installer_revokes_every_token(sandbox, rippling):
    tokens = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "authorization_code", "code": installed(sandbox), "redirect_uri": REDIRECT}).json()
    installer = sorted(rippling.data["workers"].rows)[0]

    rippling.terminate(installer, "2026-11-30")

    workers = requests.get(f"{sandbox.url}/rippling/workers/", timeout=5,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert workers.status_code == 401
    refresh = requests.post(token_url(sandbox), auth=BASIC, timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_it_posts_form_encoded_notifications_and_drops_or_repeats_on_request(sandbox, rippling):
    receiver = WebhookReceiver()
    try:
        rippling.register_webhook(receiver.url)
        worker = sorted(rippling.data["workers"].rows)[1]
        rippling.update_worker(worker, title="Staff Engineer")
        rippling.drop_webhooks(1)
        rippling.update_worker(worker, title="Principal Engineer")
        rippling.repeat_webhooks(1, times=3)
        hired = rippling.hire(given_name="Mary", family_name="Jackson")
        assert rippling.webhooks.wait_idle(5)
        deadline = time.monotonic() + 5
        while len(receiver.received) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        receiver.close()

    forms = [parse_qs(r.body.decode()) for r in receiver.received]
    assert all(r.headers["Content-Type"] == "application/x-www-form-urlencoded" for r in receiver.received)
    # Each delivery goes on a thread of its own (as Rippling promises no order), so they may arrive in any order.
    assert sorted((f["event_name"][0], f["id"][0]) for f in forms) == sorted(
        [("employee.updated", worker)] + [("employee.created", hired["id"])] * 3)
    assert forms[0]["company_id"] and forms[0]["company_primary_email"]
    assert [d.dropped for d in rippling.webhooks.deliveries].count(True) == 1
