"""Inbound events over real HTTP: the Visma sandbox sends signed webhooks to the live test server; the
integration's scheduled poll is the backstop for what webhooks miss."""
import json
import uuid

import pytest
import requests
from django.urls import reverse

from connections.vendors.visma.webhooks import expected_signature
from sandbox.vendors.visma.contract import DEMO_CREDENTIALS
from syncs.inbound import IntegrationBusy, inbound_event_process
from syncs.locks import lock_acquire
from syncs.models import IdMap, InboundEvent, SyncRun, ValueMapping
from syncs.services import IntegrationError, integration_create, integration_update
from syncs.tasks import integration_run_scheduled
from tests.support.worker import wait_for, worker_taking_all_tasks
from tests.syncs import webhook_flow
from tests.syncs.flow_under_test import CLASS_MAP

SECRET = "visma-signature-key"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def visma(sandbox):
    vendor = sandbox.app["visma"]
    vendor.seed(customers=3, suppliers=0, employees=0, supplier_invoices=0, customer_invoices=0, purchase_orders=0,
                payments=0, journal_transactions=0)
    vendor.webhook_policy.update(attempts=1)  # a refused delivery is not retried during the test
    return vendor


@pytest.fixture
def hooked(visma, tenant_a, make_sandbox_connection):
    """Tenant A's webhook-fed integration; its source connection holds the subscription's signature key."""
    source = make_sandbox_connection("visma", tenant=tenant_a, name="Visma source")
    source.credentials = {**source.credentials, "webhook_secret": SECRET}
    source.save()
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma destination")
    integration = integration_create(tenant=tenant_a, name="Customer hooks", flow_kind=webhook_flow.KIND,
                                     source=source, destination=destination, enabled=True)
    ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=CLASS_MAP, source_value="DOM",
                                target_value="DOM")
    return integration


def intake_url(live_server, connection):
    return live_server.url + reverse("inbound-hook", args=[connection.webhook_token])


def subscribe(visma, live_server, connection, secret=SECRET):
    visma.subscribe(intake_url(live_server, connection), ["customer.*", "timecard.*"], secret)


def suppliers(visma):
    return list(visma.data.tables["suppliers"].ordered()[0])


def publish(visma, event="customer.changed", key="10001", notification_id=None, tenant_id=DEMO_CREDENTIALS["tenant_id"]):
    return visma.webhooks.publish({"event": event, "entity": event.split(".")[0], "id": key, "tenantId": tenant_id,
                                   "timestamp": visma.now(), "notificationId": notification_id or str(uuid.uuid4())})


@pytest.fixture
def hook_worker():
    with worker_taking_all_tasks(include=(webhook_flow.__name__,)) as queue:
        yield queue


@pytest.mark.worker
def test_it_writes_the_record_a_visma_webhook_names_on_a_worker(hooked, visma, live_server, hook_worker):
    subscribe(visma, live_server, hooked.source)

    visma.modify("customer", "10002", name="Havbris Regnskap ASA")
    assert visma.flush_webhooks(10)

    delivery = visma.webhook_deliveries[-1]
    assert delivery["status"] == 200 and delivery["attempt"] == 1
    event = InboundEvent.objects.get()
    assert (event.tenant, event.connection, event.type, event.source_ids) == (
        hooked.tenant, hooked.source, "customer.changed", ["10002"])
    assert event.event_id == delivery["notification_id"]
    wait_for(lambda: InboundEvent.objects.exclude(status=InboundEvent.Status.RECEIVED).exists(), timeout=60,
             message="the worker to process the event")
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PROCESSED, event.error_message
    [supplier] = suppliers(visma)
    assert supplier["name"] == "Havbris Regnskap ASA"
    [run] = SyncRun.objects.filter(integration=hooked)
    assert (run.trigger, run.status, run.read, run.created) == (SyncRun.Trigger.WEBHOOK, SyncRun.Status.SUCCEEDED, 1, 1)
    assert list(event.runs.all()) == [run]
    assert IdMap.objects.get(integration=hooked).source_id == "10002"


def test_a_redelivered_notification_is_stored_and_run_once(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source)
    notification = str(uuid.uuid4())

    publish(visma, notification_id=notification)
    publish(visma, notification_id=notification)
    assert visma.flush_webhooks(10)

    assert [d["status"] for d in visma.webhook_deliveries] == [200, 200]  # the duplicate is acknowledged too
    assert [json.loads(d["body"])["notificationId"] for d in visma.webhook_deliveries] == [notification] * 2
    assert InboundEvent.objects.count() == 1
    assert SyncRun.objects.filter(integration=hooked).count() == 1
    assert len(suppliers(visma)) == 1


def test_a_bad_signature_gets_401_and_nothing_is_stored(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source, secret="not-the-key")

    publish(visma)
    assert visma.flush_webhooks(10)

    assert [d["status"] for d in visma.webhook_deliveries] == [401]
    assert InboundEvent.objects.count() == 0
    assert SyncRun.objects.count() == 0
    assert suppliers(visma) == []


def test_another_companys_notification_is_refused_though_signed_with_the_key(hooked, visma, live_server,
                                                                             eager_tasks):
    subscribe(visma, live_server, hooked.source)  # one key, a subscription for every company of the app

    publish(visma, tenant_id="7a1e0ee2-0000-4000-8000-00000000beef")
    assert visma.flush_webhooks(10)

    assert [d["status"] for d in visma.webhook_deliveries] == [401]
    assert InboundEvent.objects.count() == 0


def test_an_unknown_event_type_is_acknowledged_and_kept_as_ignored(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source)

    publish(visma, event="timecard.approved", key="77")
    assert visma.flush_webhooks(10)

    assert [d["status"] for d in visma.webhook_deliveries] == [200]
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.IGNORED
    assert "timecard.approved" in event.error_message
    assert SyncRun.objects.count() == 0


def test_a_known_event_no_stream_consumes_is_ignored_with_the_reason(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source)
    visma.subscribe(intake_url(live_server, hooked.source), ["employee.*"], SECRET)

    publish(visma, event="employee.changed", key="1")
    assert visma.flush_webhooks(10)

    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.IGNORED
    assert "webhook-fed stream" in event.error_message
    assert SyncRun.objects.count() == 0


def test_an_event_waits_while_its_integration_runs(hooked, visma, live_server):
    subscribe(visma, live_server, hooked.source)
    publish(visma, key="10003")
    assert visma.flush_webhooks(10)  # not eager: the task went to the broker, processed here by hand
    event = InboundEvent.objects.get()

    lease = lock_acquire(integration_id=hooked.pk)
    with pytest.raises(IntegrationBusy):
        inbound_event_process(event=event)
    assert SyncRun.objects.count() == 0  # no "skipped" run per retry
    lease.release()

    assert inbound_event_process(event=event) == InboundEvent.Status.PROCESSED
    assert [s["name"] for s in suppliers(visma)] == ["Lofoten Data AS"]


def test_a_burst_is_written_in_one_run_reading_each_record_once(hooked, visma, live_server, sandbox):
    subscribe(visma, live_server, hooked.source)
    for key in ("10001", "10002", "10001", "10003", "10002"):  # a burst, with repeats; its tasks wait on the broker
        publish(visma, key=key)
    assert visma.flush_webhooks(10)
    events = list(InboundEvent.objects.order_by("pk"))
    assert len(events) == 5

    assert [inbound_event_process(event=e) for e in events] == [InboundEvent.Status.PROCESSED] * 5

    [run] = SyncRun.objects.all()
    assert (run.read, run.created) == (3, 3)
    assert sorted(e.pk for e in run.inbound_events.all()) == [e.pk for e in events]
    assert len(sandbox.app.log.filter(vendor="visma", method="GET", path_contains="v1/customer/")) == 3
    assert len(suppliers(visma)) == 3

def test_the_intake_only_stores_and_queues(hooked, visma, sandbox, live_server):
    """The intake answers without calling a vendor or running a sync: the run happens on a worker (here: none,
    the task waits on the broker). How fast it answers is measured in benchmarks/ (webhook p50), not here."""
    body = json.dumps({"event": "customer.changed", "entity": "customer", "id": "10001",
                       "notificationId": "n-1"}).encode()
    url = intake_url(live_server, hooked.source)
    requests.post(url, data=b"{}", timeout=10)  # the first request warms the server up
    sandbox.app.log.clear()
    response = requests.post(url, data=body, timeout=10, headers={
        "Content-Type": "application/json", "x-vwd-signature-v1": expected_signature(body, SECRET)})

    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "ignored": 0}
    assert sandbox.app.log.filter() == []  # no vendor was called while the sender waited
    assert SyncRun.objects.count() == 0


def test_a_transient_vendor_failure_is_retried_and_the_event_then_processed(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source)
    # More 503s than the client retries inline: the run fails, the task is retried (at once, eager) and succeeds.
    visma.faults.fail_next(4, status=503)

    publish(visma, key="10001")
    assert visma.flush_webhooks(10)

    event = InboundEvent.objects.get()
    assert (event.status, event.attempts, event.error_message) == (InboundEvent.Status.PROCESSED, 2, "")
    assert [r.status for r in event.runs.order_by("pk")] == [SyncRun.Status.FAILED, SyncRun.Status.SUCCEEDED]
    assert [s["name"] for s in suppliers(visma)] == ["Fjord Bygg AS"]


def test_a_permanent_vendor_failure_fails_the_event_with_the_reason(hooked, visma, live_server, eager_tasks):
    subscribe(visma, live_server, hooked.source)
    visma.faults.fail_next(1, status=403)

    publish(visma, key="10001")
    assert visma.flush_webhooks(10)

    event = InboundEvent.objects.get()
    assert (event.status, event.attempts, event.error_class) == (InboundEvent.Status.FAILED, 1, "SyncRunFailed")
    assert "403" in event.error_message
    assert suppliers(visma) == []

# --- the backstop ----------------------------------------------------------------------------------------

def test_a_dropped_webhook_is_repaired_by_the_scheduled_poll_and_a_late_one_writes_nothing(
        hooked, visma, live_server, eager_tasks):
    visma.modify("customer", "10001", name="Fjord Bygg Holding AS")  # no subscription yet: the webhook is lost
    assert visma.webhook_deliveries == []

    integration_run_scheduled(hooked.pk)

    assert "Fjord Bygg Holding AS" in [s["name"] for s in suppliers(visma)]
    subscribe(visma, live_server, hooked.source)
    publish(visma, key="10001", notification_id=str(uuid.uuid4()))  # the same change, notified late
    assert visma.flush_webhooks(10)
    late = SyncRun.objects.get(trigger=SyncRun.Trigger.WEBHOOK)
    assert (late.read, late.created, late.updated, late.unchanged) == (1, 0, 0, 1)
    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED
    assert len(suppliers(visma)) == 3  # one per customer, none twice


def test_the_backstop_interval_replaces_the_poll_interval_when_set(hooked):
    assert hooked.periodic_task.interval.every == hooked.every_minutes == 15

    integration_update(integration=hooked, options={"backstop_every_minutes": 240})

    hooked.periodic_task.refresh_from_db()
    assert hooked.periodic_task.interval.every == 240
    assert hooked.every_minutes == 15  # what the poll goes back to when webhooks are switched off
    for wrong in (0, "4h", 2.5, True):
        with pytest.raises(IntegrationError):
            integration_update(integration=hooked, options={"backstop_every_minutes": wrong})
