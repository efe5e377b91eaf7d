"""The Visma sandbox's webhooks (docs/vendors/visma.md §10): signed deliveries after a write, retries, giving up."""
import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from sandbox.vendors.visma import DEMO_CREDENTIALS, UNCONFIRMED
from tests.support.visma_api import api, new_employee, visma  # noqa: F401  (api, visma: fixtures)
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver():
    receivers = []

    def start(statuses=None):
        receivers.append(WebhookReceiver(statuses))
        return receivers[-1]

    yield start
    for started in receivers:
        started.close()


def test_it_delivers_signed_webhooks_after_a_write(api, visma, sandbox, receiver):
    hooks = receiver()
    registered = requests.post(f"{sandbox.url}/visma/_webhooks", json={
        "url": hooks.url, "events": ["employee.*"], "secret": "signing-key-1"}, timeout=5)
    requests.post(f"{sandbox.url}/visma/_webhooks", json={
        "url": hooks.url, "events": ["customer.changed"], "secret": "other"}, timeout=5)

    api.post("v1/employee", new_employee())
    api.put("v1/employee/5001", {"contact": {"phone1": {"value": "+47 900 00 000"}}})

    assert registered.status_code == 201 and "secret" not in registered.json()
    assert visma.flush_webhooks(5)
    assert len(hooks.received) == 2  # the customer.changed subscription wanted neither
    for delivery, event in zip(hooks.received, ("employee.created", "employee.changed")):
        expected = base64.b64encode(hmac.new(b"signing-key-1", delivery.body, hashlib.sha256).digest()).decode()
        assert delivery.headers["x-vwd-signature-v1"] == expected
        payload = json.loads(delivery.body)
        assert set(payload) == set(UNCONFIRMED["webhook_payload"])
        assert payload["event"] == event and payload["entity"] == "employee" and payload["id"] == "5001"
        assert payload["tenantId"] == DEMO_CREDENTIALS["tenant_id"]
    assert [d["attempt"] for d in visma.webhook_deliveries] == [1, 1]


def test_it_retries_a_failed_webhook_delivery_and_then_gives_up(api, visma, receiver):
    flaky, down = receiver([500, 503]), receiver([500, 500, 500, 500])
    visma.webhook_policy["backoff_seconds"] = 0.05
    visma.subscribe(flaky.url, ["customer.*"], "k1")
    visma.subscribe(down.url, ["*"], "k2")

    started = time.monotonic()
    api.put("v1/customer/10001", {"name": {"value": "Retry AS"}})

    assert visma.flush_webhooks(5)
    assert time.monotonic() - started >= 0.05 + 0.1  # backoff doubles between attempts
    attempts = {(d["url"], d["attempt"]): (d["status"], d["delivered"]) for d in visma.webhook_deliveries}
    assert attempts == {(flaky.url, 1): (500, False), (flaky.url, 2): (503, False), (flaky.url, 3): (200, True),
                        (down.url, 1): (500, False), (down.url, 2): (500, False), (down.url, 3): (500, False)}
    assert len({d["notification_id"] for d in visma.webhook_deliveries if d["url"] == flaky.url}) == 1
    assert len(down.received) == UNCONFIRMED["webhook_retry_policy"]["attempts"]
