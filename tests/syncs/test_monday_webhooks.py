"""monday.com webhooks end to end over real HTTP: the client registers the intake URL of the live test server,
the sandbox verifies it with its challenge, and a status change on the board arrives signed and is stored once."""
import json

import pytest
from django.urls import reverse

from connections.vendors import get_vendor
from sandbox.vendors.monday import APP_SIGNING_SECRET, APP_TOKEN
from syncs.models import InboundEvent

pytestmark = pytest.mark.django_db(transaction=True)
BOARD = "1800000002"  # the seeded Onboarding board, its status column "status"


@pytest.fixture
def monday(sandbox):
    return sandbox.app["monday"]


@pytest.fixture
def app_connection(make_sandbox_connection, tenant_a):
    # An app token: monday signs the deliveries of the webhooks it creates with the app's signing secret.
    return make_sandbox_connection("monday", tenant=tenant_a, name="monday app",
                                   credentials={"api_token": APP_TOKEN, "signing_secret": APP_SIGNING_SECRET})


def intake_url(live_server, connection):
    return live_server.url + reverse("inbound-hook", args=[connection.webhook_token])


def first_item(monday, board_id):
    return next(item for item in monday.data.items.values() if item["board_id"] == board_id)


def test_the_challenge_is_answered_and_a_signed_status_change_is_stored_once(app_connection, monday, live_server,
                                                                             eager_tasks):
    client = get_vendor("monday").client_for(app_connection)
    url = intake_url(live_server, app_connection)

    webhook = client.webhook_create(BOARD, url=url, event="change_status_column_value")
    item = first_item(monday, BOARD)
    monday.user_sets_status(item["id"], "status", "Stuck")
    assert monday.flush_webhooks(10)

    assert client.webhooks(BOARD) == [webhook]
    [delivery] = monday.webhooks.deliveries
    assert (delivery["status"], delivery["signed"], delivery["attempt"]) == (200, True, 1)
    event = InboundEvent.objects.get()
    assert (event.connection, event.type, event.source_ids) == (app_connection, "update_column_value", [item["id"]])
    assert event.event_id == delivery["event"]["triggerUuid"]
    sent = event.payload["event"]
    assert (sent["columnId"], sent["value"]["label"]["text"], sent["previousValue"]["label"]["text"]) == (
        "status", "Stuck", "Done")

    # monday resends what it thinks was lost: same triggerUuid, acknowledged, not stored twice.
    monday.webhooks.redeliver(delivery)
    assert monday.flush_webhooks(10)
    assert [d["status"] for d in monday.webhooks.deliveries] == [200, 200]
    assert monday.webhooks.deliveries[1]["event"]["isRetry"] is True
    assert InboundEvent.objects.count() == 1


def test_a_delivery_signed_with_another_secret_is_refused_and_retried(app_connection, monday, live_server,
                                                                      eager_tasks):
    client = get_vendor("monday").client_for(app_connection)
    client.webhook_create(BOARD, url=intake_url(live_server, app_connection), event="change_status_column_value")
    monday.webhooks.signing_secret = "someone-elses-app"
    monday.webhooks.retry_interval = 0.2  # monday's minute, compressed
    monday.webhooks.retry_window = 0.5

    monday.user_sets_status(first_item(monday, BOARD)["id"], "status", "Stuck")
    assert monday.flush_webhooks(10)

    assert [(d["attempt"], d["status"]) for d in monday.webhooks.deliveries] == [(1, 401), (2, 401), (3, 401)]
    assert InboundEvent.objects.count() == 0


def test_an_intake_that_does_not_echo_the_challenge_gets_no_webhook(app_connection, monday, live_server):
    from connections.vendors.errors import VendorRejected

    client = get_vendor("monday").client_for(app_connection)

    with pytest.raises(VendorRejected) as refused:
        client.webhook_create(BOARD, url=live_server.url + "/hooks/not-a-token/", event="change_status_column_value")

    assert "the challenge was not echoed" in str(refused.value)
    assert client.webhooks(BOARD) == []


def test_webhooks_are_listed_and_deleted(app_connection, monday, live_server):
    client = get_vendor("monday").client_for(app_connection)
    webhook = client.webhook_create(BOARD, url=intake_url(live_server, app_connection),
                                    event="change_specific_column_value", config={"columnId": "status"})

    assert json.loads(webhook["config"]) == {"columnId": "status"}
    assert client.webhook_delete(webhook["id"])["id"] == webhook["id"]
    assert client.webhooks(BOARD) == []
