"""monday.com → Visma.net end to end over real HTTP: the approval label set on the board reaches the Visma
document's `hold` once (a redelivered webhook included), with If-Match and a 412 re-applied; our own writes do not
echo back and forth between the two webhooks; an unknown label is held until it is mapped
(docs/flows/visma-monday.md). Both sandboxes post their webhooks to the live test server."""
import time

import pytest
from django.urls import reverse

from connections.vendors import get_vendor
from connections.models import Connection
from sandbox.vendors.monday import ADMIN_USER_ID, APP_SIGNING_SECRET, APP_TOKEN, MEMBER_USER_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_monday.board import board_webhook_ensure
from syncs.flows.visma_monday.statuses import APPROVAL_MAP
from syncs.models import InboundEvent, PendingRecord, SyncRun
from syncs.services import integration_create, value_mapping_set
from tests.support.monday_board import board_named, items_by_key, visma_documents_seeded

pytestmark = pytest.mark.django_db(transaction=True)
VISMA_SECRET = "visma-webhook-key"


@pytest.fixture
def visma_company(sandbox):
    return visma_documents_seeded(sandbox, customers=2, suppliers=3, supplier_invoices=4,
                                  customer_invoices=0, purchase_orders=2)


def intake(live_server, connection):
    return live_server.url + reverse("inbound-hook", args=[connection.webhook_token])


@pytest.fixture
def hooked(tenant_a, make_sandbox_connection, visma_company, monday, live_server, eager_tasks):
    """An enabled integration, loaded once; monday (an app token: signed deliveries) calls us on approval changes."""
    visma = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    visma.credentials = {**visma.credentials, "webhook_secret": VISMA_SECRET}
    visma.save()
    board_user = make_sandbox_connection("monday", tenant=tenant_a, name="monday",
                                         credentials={"api_token": APP_TOKEN, "signing_secret": APP_SIGNING_SECRET})
    integration = integration_create(tenant=tenant_a, name="AP approvals", flow_kind="visma_monday", source=visma,
                                     destination=board_user, enabled=True)
    loaded = sync_run_execute(run=sync_run_create(integration=integration))
    assert loaded.status == SyncRun.Status.SUCCEEDED, loaded.error
    integration.refresh_from_db()
    board = integration.options["boards"]["documents"]
    board_webhook_ensure(client=get_vendor("monday").client_for(board_user), board_id=board["id"],
                         url=intake(live_server, board_user), column_id=board["columns"]["approval"]["id"])
    return integration


def settle(monday, visma, rounds: int = 6) -> None:
    """Let both vendors deliver until neither has anything left to send (a loop would never get quiet)."""
    quiet = 0
    while quiet < 2 and rounds:
        before = len(monday.webhooks.deliveries) + len(visma.webhook_deliveries)
        assert monday.flush_webhooks(10) and visma.flush_webhooks(10)
        time.sleep(0.2)
        quiet = quiet + 1 if len(monday.webhooks.deliveries) + len(visma.webhook_deliveries) == before else 0
        rounds -= 1
    assert quiet >= 2, "the webhooks kept coming"


def open_invoice(monday, visma):
    invoice = next(r for r in visma.data.tables["supplier_invoices"].ordered()[0] if not r["hold"])
    key = f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"
    [item] = items_by_key(monday, board_named(monday, "Visma documents"))[key]
    return invoice["referenceNumber"], item


def puts(visma, reference):
    return visma.log.filter(vendor="visma", method="PUT", path_contains=f"/supplierInvoice/{reference}")


def test_a_status_set_on_the_board_reaches_visma_once_even_when_monday_redelivers(hooked, monday, visma_company):
    reference, item = open_invoice(monday, visma_company)

    monday.user_sets_status(item["id"], "approval", "On hold")
    settle(monday, visma_company)

    assert visma_company.record("supplierInvoice", reference)["hold"] is True
    [put] = puts(visma_company, reference)
    assert put.status == 204 and put.headers.get("If-Match")  # written on the version just read
    [delivery] = monday.webhooks.deliveries
    assert delivery["signed"] and delivery["status"] == 200

    monday.webhooks.redeliver(delivery)  # monday resends what it thinks was lost: same triggerUuid
    settle(monday, visma_company)

    assert len(puts(visma_company, reference)) == 1
    assert InboundEvent.objects.filter(connection=hooked.destination).count() == 1


def test_a_412_reads_the_document_again_and_reapplies(hooked, monday, visma_company):
    reference, item = open_invoice(monday, visma_company)
    visma_company.edit_before_next_put("supplierInvoice", reference, description="Edited in Visma meanwhile")

    monday.user_sets_status(item["id"], "approval", "On hold")
    settle(monday, visma_company)

    assert [p.status for p in puts(visma_company, reference)] == [412, 204]
    record = visma_company.record("supplierInvoice", reference)
    assert (record["hold"], record["description"]) == (True, "Edited in Visma meanwhile")


def forget_own_user(connection):
    """As a connection whose monday user is not known (never tested since): only the loop guard stands."""
    connection.refresh_from_db()
    Connection.objects.filter(pk=connection.pk).update(
        config={k: v for k, v in connection.config.items() if k not in ("user_id", "user_token")})


def test_our_own_writes_do_not_echo_between_the_board_and_visma(hooked, monday, visma_company, live_server):
    forget_own_user(hooked.destination)  # the loop guard alone: the echo is processed and writes nothing
    visma_company.subscribe(intake(live_server, hooked.source), ["supplierinvoice.*"], VISMA_SECRET)
    reference, item = open_invoice(monday, visma_company)

    # An ERP user puts the invoice on hold: Visma's webhook → the item's label (written by us) → monday's webhook.
    visma_company.modify("supplierInvoice", reference, hold=True, status="Hold")
    settle(monday, visma_company)

    board = board_named(monday, "Visma documents")
    assert monday.data.items[item["id"]]["values"]["approval"]["index"] == 2  # "On hold"
    assert [d["event"]["userId"] for d in monday.webhooks.deliveries] == [int(monday.users["51000001"]["id"])]
    assert puts(visma_company, reference) == []  # the echo stopped: Visma already holds it, nothing was written
    [echo] = InboundEvent.objects.filter(connection=hooked.destination)
    assert echo.status == InboundEvent.Status.PROCESSED  # read, mapped, and skipped as already so in Visma

    # A board user releases it: one PUT; Visma's webhook updates the item, whose label is already right.
    monday.user_sets_status(item["id"], "approval", "Approved")
    settle(monday, visma_company)

    assert len(puts(visma_company, reference)) == 1
    assert visma_company.record("supplierInvoice", reference)["hold"] is False
    assert len(monday.webhooks.deliveries) == 2
    assert board["id"] == board_named(monday, "Visma documents")["id"]


def test_deliveries_our_own_monday_user_caused_are_acknowledged_and_ignored(hooked, monday, visma_company,
                                                                            live_server):
    hooked.destination.refresh_from_db()
    assert hooked.destination.config["user_id"] == ADMIN_USER_ID  # `me { id }`, cached by board setup
    visma_company.subscribe(intake(live_server, hooked.source), ["supplierinvoice.*"], VISMA_SECRET)
    reference, item = open_invoice(monday, visma_company)

    visma_company.modify("supplierInvoice", reference, hold=True, status="Hold")  # → our write → monday's webhook
    settle(monday, visma_company)

    [delivery] = monday.webhooks.deliveries
    assert delivery["delivered"] and delivery["event"]["userId"] == int(ADMIN_USER_ID)
    [echo] = InboundEvent.objects.filter(connection=hooked.destination)
    assert echo.status == InboundEvent.Status.IGNORED
    assert f"own monday.com user ({ADMIN_USER_ID})" in echo.error_message
    assert not echo.runs.exists() and puts(visma_company, reference) == []

    monday.user_sets_status(item["id"], "approval", "Approved")  # a board user (another monday user): processed
    settle(monday, visma_company)

    assert len(puts(visma_company, reference)) == 1
    assert visma_company.record("supplierInvoice", reference)["hold"] is False
    statuses = InboundEvent.objects.filter(connection=hooked.destination).order_by("pk")
    assert [e.status for e in statuses] == [InboundEvent.Status.IGNORED, InboundEvent.Status.PROCESSED]


def test_a_regenerated_token_makes_the_cached_monday_user_stale(hooked, monday):
    from connections.vendors.monday.webhooks import screen
    from connections.vendors.events import Event

    hooked.destination.refresh_from_db()
    ours = Event("t1", "update_column_value", ["1"], {"event": {"userId": int(ADMIN_USER_ID)}})
    theirs = Event("t2", "update_column_value", ["1"], {"event": {"userId": int(MEMBER_USER_ID)}})
    assert [bool(e.ignored) for e in screen([ours, theirs], hooked.destination)] == [True, False]

    hooked.destination.credentials = {**hooked.destination.credentials, "api_token": "regenerated"}
    assert [bool(e.ignored) for e in screen([ours, theirs], hooked.destination)] == [False, False]


def test_an_unknown_label_is_held_with_the_reason_and_released_once_mapped(hooked, monday, visma_company):
    reference, item = open_invoice(monday, visma_company)

    monday.user_sets_status(item["id"], "approval", "Received")
    settle(monday, visma_company)

    [held] = PendingRecord.objects.filter(integration=hooked, stream="approval_statuses")
    assert held.status == PendingRecord.Status.HELD
    assert "board label 'Received'" in held.reason and APPROVAL_MAP in held.reason
    assert puts(visma_company, reference) == []

    value_mapping_set(integration=hooked, map_name=APPROVAL_MAP, source_value="Received", target_value="true")

    held.refresh_from_db()
    assert held.status == PendingRecord.Status.RESOLVED
    assert visma_company.record("supplierInvoice", reference)["hold"] is True


def test_a_visma_webhook_updates_its_item_and_the_poll_repairs_a_lost_one(hooked, monday, visma_company, live_server):
    visma_company.subscribe(intake(live_server, hooked.source), ["supplierinvoice.*"], VISMA_SECRET)
    rows = [r for r in visma_company.data.tables["supplier_invoices"].ordered()[0]]
    notified, lost = rows[0]["referenceNumber"], rows[1]["referenceNumber"]

    visma_company.modify("supplierInvoice", notified, dueDate="2027-03-31")
    settle(monday, visma_company)
    webhook_runs = SyncRun.objects.filter(integration=hooked, trigger=SyncRun.Trigger.WEBHOOK)
    assert [(r.status, r.updated) for r in webhook_runs] == [(SyncRun.Status.SUCCEEDED, 1)]

    visma_company.webhook_subscriptions.clear()  # Visma sends once and never again: this change is not notified
    visma_company.modify("supplierInvoice", lost, dueDate="2027-04-30")
    settle(monday, visma_company)
    backstop = sync_run_execute(run=sync_run_create(integration=hooked))

    assert backstop.updated == 1  # only the lost one: what the webhook carried is unchanged since
    board = board_named(monday, "Visma documents")
    due = {k.rsplit(":", 1)[-1]: i[0]["values"]["due_date"]["date"] for k, i in items_by_key(monday, board).items()
           if k.startswith("supplierInvoice:")}
    assert (due[notified], due[lost]) == ("2027-03-31", "2027-04-30")
