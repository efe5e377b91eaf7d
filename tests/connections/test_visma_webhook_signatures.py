"""Visma webhooks as the client's webhooks module reads them (docs/vendors/visma.md §10): a delivery the sandbox
signed after the client's write verifies with either key of a rotation and with no other, and parses to the event."""
import pytest

from connections.vendors.visma.webhooks import SIGNATURE_HEADER, parse_event, verify_signature
from tests.support.visma_api import visma  # noqa: F401  (a fixture)
from tests.support.visma_client import NEW_EMPLOYEE, client, sleeps  # noqa: F401  (client, sleeps: fixtures)
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver():
    started = WebhookReceiver()
    yield started
    started.close()


def test_it_verifies_visma_webhook_signatures(client, visma, receiver):
    visma.subscribe(receiver.url, ["employee.*"], "current-key")

    client.create_employee(NEW_EMPLOYEE)

    assert visma.flush_webhooks(5)
    [delivery] = receiver.received
    header = delivery.headers[SIGNATURE_HEADER]
    assert verify_signature(delivery.body, header, ["retired-key", "current-key"])  # rotation: either key
    assert verify_signature(delivery.body, header, "retired-key, current-key")
    assert not verify_signature(delivery.body, header, ["retired-key"])
    assert not verify_signature(delivery.body.replace(b"5001", b"5002"), header, ["current-key"])
    assert not verify_signature(delivery.body, None, ["current-key"])
    assert not verify_signature(delivery.body, header, ["", " "])
    event = parse_event(delivery.body)
    assert (event["type"], event["entity"], event["id"]) == ("employee.created", "employee", "5001")
    assert event["notification_id"] and event["tenant_id"] == visma.demo_credentials["tenant_id"]
    with pytest.raises(ValueError):
        parse_event(b"not json")
