"""The drift report of Visma.net → monday.com over real HTTP to both sandboxes: documents against the items on the
boards, found by the key column; differences seeded on either side, the approval label judged by what it means
for Visma's hold, and items on each board vs documents in Visma (syncs/flows/visma_monday/drift.py)."""
from drift.models import DriftItem, DriftReport
from drift.services import drift_item_resync, drift_report_create, drift_report_run
from syncs.models import IdMap, SyncRun
from syncs.services import integration_update
from tests.e2e.conftest import monday  # noqa: F401 (fixture)
from tests.e2e.test_visma_monday import SIZES, integration, run, visma_company  # noqa: F401 (fixtures)
from tests.support.monday_board import board_named, items_by_key, operations


def report_of(integration) -> DriftReport:
    report = drift_report_run(report=drift_report_create(integration=integration))
    assert report.status == DriftReport.Status.DONE, report.error_message
    return report


def found(report) -> list[tuple]:
    return sorted((i.stream, i.kind, i.source_id, i.note) for i in DriftItem.objects.filter(report=report))


def totals(report) -> dict[str, tuple]:
    return {t["stream"]: (t["source"], t["destination"]) for t in report.totals}


def item_of(monday, key):  # noqa: F811
    [item] = items_by_key(monday, board_named(monday, "Visma documents"))[key]
    return item


def test_a_synced_board_has_no_drift_and_its_counts_match(integration, monday, visma_company):  # noqa: F811
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    reads = len(operations(monday, "ItemsPage"))
    writes = len(operations(monday)) - reads

    report = report_of(integration)

    assert report.found == 0, found(report)
    assert totals(report)["supplier_invoices"] == (SIZES["supplier_invoices"],) * 2
    assert totals(report)["purchase_orders"] == (SIZES["purchase_orders"],) * 2
    assert set(totals(report)) == {"gl_accounts", "dimensions", "supplier_invoices", "purchase_orders",
                                   "customer_invoices"} and not report.totals_off
    # Each board is read once for all its streams (monday's complexity budget), and nothing is written.
    assert len(operations(monday, "ItemsPage")) - reads == 2
    assert len(operations(monday)) - len(operations(monday, "ItemsPage")) == writes


def test_it_finds_differences_seeded_on_the_board_and_in_visma(integration, monday, visma_company):  # noqa: F811
    invoices = visma_company.data.tables["supplier_invoices"]
    orders = visma_company.data.tables["purchase_orders"]
    first, edited, moved, copied, held = [r["referenceNumber"] for r in invoices.ordered()[0][:5]]
    order = orders.ordered()[0][0]["orderNbr"]
    visma_company.modify("supplierInvoice", held, hold=True)
    visma_company.modify("purchaseorder", order, hold=False, purchaseReceipts=[], approvalStatus="Approved")
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    board = board_named(monday, "Visma documents")
    key = {ref: f"supplierInvoice:{invoices.get(ref)['documentType']}:{ref}" for ref in (first, edited, moved,
                                                                                        copied, held)}
    monday.data.set_state(item_of(monday, key[first])["id"], "deleted")  # deleted on the board
    monday.data.change_values(board["id"], item_of(monday, key[edited])["id"], {"amount": "1.00"})
    visma_company.modify("supplierInvoice", moved, dueDate="2027-03-31")  # not synced yet
    monday.data.create_item(board["id"], "Coffee machine")  # a person's own item
    monday.data.create_item(board["id"], "Copy", column_values={"visma_key": key[copied]})
    # The reverse stream's view: "Pending" means hold=true, as Visma has it (no drift); "On hold" on an order
    # Visma does not hold is a change that never reached Visma.
    monday.data.change_values(board["id"], item_of(monday, key[held])["id"], {"approval": {"label": "Pending"}})
    order_item = item_of(monday, f"purchaseorder:{orders.get(order)['orderType']}:{order}")
    monday.data.change_values(board["id"], order_item["id"], {"approval": {"label": "On hold"}})
    customer = visma_company.data.tables["customer_invoices"]
    gone = customer.ordered()[0][0]
    customer.replace([r for r in customer.rows.values() if r["referenceNumber"] != gone["referenceNumber"]])

    report = report_of(integration)

    items = {(i.stream, i.kind, i.source_id or i.target_id): i for i in DriftItem.objects.filter(report=report)}
    source_id = {ref: key[ref].removeprefix("supplierInvoice:") for ref in key}
    assert items[("supplier_invoices", "missing", source_id[first])].note == "written, but gone from there"
    changed = items[("supplier_invoices", "changed", source_id[edited])]
    assert [(d["field"], d["destination"], d["moved"]) for d in changed.diffs] == [("values.amount", "1.00",
                                                                                   "destination")]
    assert changed.target_id == IdMap.objects.get(integration=integration, stream="supplier_invoices",
                                                   source_id=source_id[edited]).target_id
    differs = items[("supplier_invoices", "differs", source_id[moved])]
    assert {(d["field"], d["source"], d["moved"]) for d in differs.diffs} == {("values.due_date.date", "2027-03-31",
                                                                                "source")}
    extras = {i.note for (stream, kind, _), i in items.items() if kind == "extra"}
    assert extras == {"item 'Coffee machine' has no Visma key: made on the board", f"a second item with key "
                      f"{key[copied]}", "the document is not in Visma (any more)"}
    assert ("customer_invoices", "extra", item_of_key(monday, gone)) in items
    [approval] = [i for i in items.values() if i.stream == "purchase_orders"]
    assert approval.kind == "changed" and approval.note == "the board's label 'On hold' means hold=True, Visma's " \
                                                           "hold is False"
    assert not [i for i in items.values() if i.source_id == source_id[held]]
    assert len(items) == 7
    assert totals(report)["supplier_invoices"] == (SIZES["supplier_invoices"], SIZES["supplier_invoices"] - 1)
    assert totals(report)["customer_invoices"] == (SIZES["customer_invoices"] - 1, SIZES["customer_invoices"])

    assert drift_item_resync(item=changed).updated == 1  # the board's amount is Visma's again
    total = round(invoices.get(edited)["detailTotalInCurrency"] + invoices.get(edited)["vatTotalInCurrency"], 2)
    assert item_of(monday, key[edited])["values"]["amount"] == {"number": f"{total:.2f}"}


def item_of_key(monday, invoice) -> str:  # noqa: F811
    return item_of(monday, f"customerinvoice:{invoice['documentType']}:{invoice['referenceNumber']}")["id"]


def test_a_document_deleted_in_visma_is_reported_by_the_drift_report_and_archived_only_by_the_sync(
        integration, monday, visma_company):  # noqa: F811
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    invoice = visma_company.data.tables["supplier_invoices"].ordered()[0][0]
    key = f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"
    item = item_of(monday, key)
    visma_company.remove("supplierInvoice", invoice["referenceNumber"])  # its webhook is lost

    report = report_of(integration)  # reads Visma's full listing, but archives nothing (deletes.py is the sync's)

    [extra] = DriftItem.objects.filter(report=report)
    assert (extra.stream, extra.kind, extra.target_id, extra.note) == (
        "supplier_invoices", DriftItem.Kind.EXTRA, item["id"], "the document is not in Visma (any more)")
    assert monday.data.items[item["id"]]["state"] == "active" and operations(monday, "ItemArchive") == []

    integration.refresh_from_db()
    integration_update(integration=integration, options={**integration.options, "gone_check_every_hours": 0})
    assert run(integration).status == SyncRun.Status.SUCCEEDED  # the backstop's check of every key, now
    assert monday.data.items[item["id"]]["state"] == "archived"
    assert report_of(integration).found == 0
