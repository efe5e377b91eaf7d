"""A Visma document deleted is archived on the board, once, over real HTTP to both sandboxes: by Visma's
`<entity>.deleted` webhook, by the scheduled check of every key (the backstop for a lost notification), and an
item someone already archived is confirmed, not archived again (docs/flows/visma-monday.md, "Deleted documents")."""
import pytest
from django.urls import reverse

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import IdMap, InboundEvent, SyncRun, WriteIntent
from syncs.services import integration_create
from tests.support.monday_board import board_named, items_by_key, operations, visma_documents_seeded

pytestmark = pytest.mark.django_db(transaction=True)
VISMA_SECRET = "visma-webhook-key"


@pytest.fixture
def visma_company(sandbox):
    return visma_documents_seeded(sandbox, customers=2, suppliers=3, supplier_invoices=4,
                                  customer_invoices=2, purchase_orders=3)


@pytest.fixture
def loaded(tenant_a, make_sandbox_connection, visma_company, monday):
    """An integration whose boards hold every document; it checks Visma's full listing on every run."""
    visma = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    visma.credentials = {**visma.credentials, "webhook_secret": VISMA_SECRET}
    visma.save()
    integration = integration_create(tenant=tenant_a, name="AP board", flow_kind="visma_monday", source=visma,
                                     destination=make_sandbox_connection("monday", tenant=tenant_a, name="monday"),
                                     enabled=True, options={"gone_check_every_hours": 0})
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    return integration


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def item_of(monday, key):
    return next(i for i in monday.data.items.values() if (i["values"].get("visma_key") or {}).get("text") == key)


def test_a_deleted_invoice_is_archived_by_its_webhook_once(loaded, monday, visma_company, live_server, eager_tasks):
    visma_company.subscribe(live_server.url + reverse("inbound-hook", args=[loaded.source.webhook_token]),
                            ["supplierinvoice.*"], VISMA_SECRET)
    invoice = visma_company.data.tables["supplier_invoices"].ordered()[0][0]
    key = f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"
    item = item_of(monday, key)

    visma_company.remove("supplierInvoice", invoice["referenceNumber"])  # an ERP user deletes it
    assert visma_company.flush_webhooks(10)

    [event] = InboundEvent.objects.filter(connection=loaded.source, type="supplierinvoice.deleted")
    assert event.status == InboundEvent.Status.PROCESSED
    assert monday.data.items[item["id"]]["state"] == "archived"
    [archived] = AuditRecord.objects.filter(integration=loaded, source_ref=key.partition(":")[2],
                                            action=AuditRecord.Action.UPDATE)
    assert archived.target_ref == item["id"] and archived.outcome == AuditRecord.Outcome.OK
    assert archived.reason.startswith("archived: the document was deleted in Visma")
    assert len(operations(monday, "ItemArchive")) == 1

    # The backstop's listing finds it gone too: the same tombstone, so a skip; nothing is archived twice.
    assert run(loaded).status == SyncRun.Status.SUCCEEDED
    assert len(operations(monday, "ItemArchive")) == 1
    assert key not in items_by_key(monday, board_named(monday, "Visma documents"))


def test_a_document_visma_no_longer_lists_is_archived_by_the_scheduled_check(loaded, monday, visma_company):
    order = visma_company.data.tables["purchase_orders"].ordered()[0][0]
    key = f"purchaseorder:{order['orderType']}:{order['orderNbr']}"
    item = item_of(monday, key)
    visma_company.remove("purchaseorder", order["orderNbr"])  # no subscription: the notification is lost

    finished = run(loaded)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert monday.data.items[item["id"]]["state"] == "archived"
    [intent] = [w for w in WriteIntent.objects.filter(integration=loaded, stream="purchase_orders",
                                                      source_id=key.partition(":")[2]) if w.payload.get("archive")]
    assert (intent.state, intent.target_id) == (WriteIntent.State.CONFIRMED, item["id"])
    assert "no longer listed by Visma" in AuditRecord.objects.get(
        integration=loaded, run=finished, source_ref=key.partition(":")[2]).reason
    others = [i for k, [i] in items_by_key(monday, board_named(monday, "Visma documents")).items()]
    assert len(others) == 4 + 2 + 3 - 1  # every other document keeps its item


def test_an_item_already_archived_on_the_board_is_confirmed_not_archived_again(loaded, monday, visma_company):
    invoice = visma_company.data.tables["customer_invoices"].ordered()[0][0]
    key = f"customerinvoice:{invoice['documentType']}:{invoice['referenceNumber']}"
    item = item_of(monday, key)
    monday.data.set_state(item["id"], "archived")  # someone archived it on the board first
    visma_company.remove("customerinvoice", invoice["referenceNumber"])

    finished = run(loaded)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert operations(monday, "ItemArchive") == []
    reason = AuditRecord.objects.get(integration=loaded, run=finished, source_ref=key.partition(":")[2]).reason
    assert "the item was already archived on the board: confirmed, not archived again" in reason
    assert IdMap.objects.get(integration=loaded, stream="customer_invoices",
                             source_id=key.partition(":")[2]).target_id == item["id"]


def test_an_archive_whose_answer_is_lost_is_confirmed_by_reading_the_item_not_sent_again(loaded, monday,
                                                                                          visma_company):
    order = visma_company.data.tables["purchase_orders"].ordered()[0][0]
    key = f"purchaseorder:{order['orderType']}:{order['orderNbr']}"
    item = item_of(monday, key)
    visma_company.remove("purchaseorder", order["orderNbr"])
    # The run's monday calls: the item read (its state), then archive_item, applied and answered 502.
    monday.faults.error_after_next(1, status=502, skip=1)

    finished = run(loaded)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert monday.data.items[item["id"]]["state"] == "archived"
    # The lost answer was reconciled (the item read again: archived), not resent.
    assert [entry.status for entry in operations(monday, "ItemArchive")] == [502]
    reason = AuditRecord.objects.get(integration=loaded, run=finished, source_ref=key.partition(":")[2]).reason
    assert "already archived on the board: confirmed, not archived again" in reason
