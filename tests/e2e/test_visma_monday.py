"""Visma.net → monday.com end to end over real HTTP, both sandboxes: board setup, the initial load, an update
reaching the same item, complexity exhaustion paced, an error inside a 200 and a malformed Visma document
(docs/flows/visma-monday.md). The board is read from the monday sandbox's own state."""
import pytest

from connections.vendors import get_vendor
from connections.vendors.monday.pacing import pacer_for
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_monday.board import board_setup
from syncs.models import IdMap, PendingRecord, SyncRun
from syncs.services import integration_create, integration_update
from tests.support.monday_board import board_named, items_by_key, operations

SIZES = {"supplier_invoices": 6, "purchase_orders": 4, "customer_invoices": 5}


@pytest.fixture
def visma_company(sandbox):
    vendor = sandbox.app["visma"]
    vendor.seed(employees=0, customers=4, suppliers=4, payments=0, journal_transactions=0, **SIZES)
    return vendor


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, visma_company, monday):
    return integration_create(tenant=tenant_a, name="AP on the board", flow_kind="visma_monday",
                              source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                              destination=make_sandbox_connection("monday", tenant=tenant_a, name="monday"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def segments(visma):
    return {(s["segmentId"], s["segmentValue"]) for a in visma.data.tables["subaccounts"].ordered()[0]
            for s in a["segments"]}


def test_board_setup_creates_both_boards_with_the_key_column_and_picks_them_again(integration, monday):
    client = get_vendor("monday").client_for(integration.destination)

    boards = board_setup(integration=integration, client=client)

    documents = board_named(monday, "Visma documents")
    columns = {c["id"]: c for c in documents["columns"]}
    assert (columns["visma_key"]["type"], columns["visma_key"]["title"]) == ("text", "Visma key")
    assert "hide this column" in columns["visma_key"]["description"]
    assert columns["amount"]["type"] == "numbers" and columns["due_date"]["type"] == "date"
    assert list(columns["approval"]["settings"]["labels"].values()) == ["Pending", "Approved", "On hold", "Received"]
    assert boards["documents"]["id"] == documents["id"]
    assert board_named(monday, "Visma reference data")["id"] == boards["reference"]["id"]
    integration.refresh_from_db()
    assert integration.options["boards"]["documents"]["columns"]["amount"]["id"] == "amount"

    again = board_setup(integration=integration, client=client)  # found by name: no second board
    assert again["documents"]["id"] == documents["id"]
    assert len([b for b in monday.data.boards.values() if b["name"] == "Visma documents"]) == 1


def test_board_setup_on_a_customer_board_uses_its_columns_by_title_and_adds_the_rest(integration, monday):
    client = get_vendor("monday").client_for(integration.destination)
    theirs = monday.data.add_board("AP approvals", "", [("numbers7", "amount", "numbers", {}),
                                                        ("text9", "Supplier / Customer", "text", {})])

    layout = board_setup(integration=integration, client=client, documents_board=theirs["id"])["documents"]

    assert layout["columns"]["amount"]["id"] == "numbers7"
    assert layout["columns"]["party"]["id"] == "text9"
    assert {c["id"] for c in monday.data.boards[theirs["id"]]["columns"]} >= {"visma_key", "approval", "due_date"}


def test_board_setup_refuses_a_column_of_a_type_the_value_cannot_take(integration, monday):
    from connections.vendors.errors import VendorConfigurationError

    client = get_vendor("monday").client_for(integration.destination)
    theirs = monday.data.add_board("AP", "", [("date1", "Amount", "date", {})])

    with pytest.raises(VendorConfigurationError, match="Amount: column 'Amount' is a date column"):
        board_setup(integration=integration, client=client, documents_board=theirs["id"])


def test_the_initial_load_makes_one_item_per_document_and_a_second_run_writes_nothing(integration, monday,
                                                                                      visma_company):
    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    documents = items_by_key(monday, board_named(monday, "Visma documents"))
    assert all(len(items) == 1 for items in documents.values())
    assert sum(1 for k in documents if k.startswith("supplierInvoice:")) == SIZES["supplier_invoices"]
    assert sum(1 for k in documents if k.startswith("purchaseorder:")) == SIZES["purchase_orders"]
    assert sum(1 for k in documents if k.startswith("customerinvoice:")) == SIZES["customer_invoices"]
    invoice = next(r for r in visma_company.data.tables["supplier_invoices"].ordered()[0])
    [item] = documents[f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"]
    total = round(invoice["detailTotalInCurrency"] + invoice["vatTotalInCurrency"], 2)
    assert item["values"]["amount"] == {"number": f"{total:.2f}"}
    assert item["values"]["due_date"]["date"] == invoice["dueDate"][:10]
    assert item["values"]["visma_link"]["url"].endswith(f"/v1/supplierInvoice/{invoice['referenceNumber']}")
    assert item["name"].startswith(f"Supplier invoice {invoice['referenceNumber']} – ")
    aging = {i[0]["values"]["aging"]["text"] for k, i in documents.items() if k.startswith("customerinvoice:")}
    assert aging <= {"Paid", "Current", "1–30", "31–60", "61–90", "90+"} and aging
    reference = items_by_key(monday, board_named(monday, "Visma reference data"))
    assert len([k for k in reference if k.startswith("account:")]) == len(visma_company.data.tables["accounts"])
    assert len([k for k in reference if k.startswith("subaccount:")]) == len(segments(visma_company))

    mutations = len(operations(monday, "ItemCreate")) + len(operations(monday, "ItemUpdate"))
    again = run(integration)
    assert again.status == SyncRun.Status.SUCCEEDED
    assert len(operations(monday, "ItemCreate")) + len(operations(monday, "ItemUpdate")) == mutations


def test_an_invoice_changed_in_visma_updates_the_same_item(integration, monday, visma_company):
    run(integration)
    table = visma_company.data.tables["supplier_invoices"]
    invoice = next(r for r in table.ordered()[0] if not r["hold"])
    key = f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"
    [before] = items_by_key(monday, board_named(monday, "Visma documents"))[key]
    creates = len(operations(monday, "ItemCreate"))

    visma_company.modify("supplierInvoice", invoice["referenceNumber"], dueDate="2027-01-31", hold=True)
    assert run(integration).status == SyncRun.Status.SUCCEEDED

    [after] = items_by_key(monday, board_named(monday, "Visma documents"))[key]
    assert after["id"] == before["id"]
    assert after["values"]["due_date"]["date"] == "2027-01-31"
    labels = board_named(monday, "Visma documents")["columns"]
    approval = next(c for c in labels if c["id"] == "approval")["settings"]["labels"]
    assert approval[str(after["values"]["approval"]["index"])] == "On hold"
    assert len(operations(monday, "ItemCreate")) == creates
    assert IdMap.objects.get(integration=integration, stream="supplier_invoices",
                             source_id=key.partition(":")[2]).target_id == after["id"]


def test_a_malformed_visma_document_is_quarantined_and_the_rest_load(integration, monday, visma_company):
    invoice = next(r for r in visma_company.data.tables["supplier_invoices"].ordered()[0])
    visma_company.modify("supplierInvoice", invoice["referenceNumber"], detailTotalInCurrency="twelve", dueDate="soon")

    finished = run(integration)

    assert finished.status == SyncRun.Status.PARTIAL, finished.error
    [held] = PendingRecord.objects.filter(integration=integration, stream="supplier_invoices")
    assert held.status == PendingRecord.Status.QUARANTINED
    assert "detailTotalInCurrency is 'twelve', not a number" in held.reason
    documents = items_by_key(monday, board_named(monday, "Visma documents"))
    assert sum(1 for k in documents if k.startswith("supplierInvoice:")) == SIZES["supplier_invoices"] - 1


def test_an_error_inside_a_200_is_stored_with_mondays_message(integration, monday, visma_company):
    run(integration)
    board = board_named(monday, "Visma documents")
    board["columns"] = [c for c in board["columns"] if c["id"] != "due_date"]  # someone deletes the column
    invoice = next(r for r in visma_company.data.tables["supplier_invoices"].ordered()[0])
    visma_company.modify("supplierInvoice", invoice["referenceNumber"], dueDate="2027-02-28")

    finished = run(integration)

    assert finished.status == SyncRun.Status.PARTIAL, finished.error
    [failed] = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.FAILED)
    assert "This column ID doesn't exist for the board" in failed.reason
    assert "InvalidColumnIdException" in failed.reason


def test_complexity_budget_exhaustion_is_paced_and_the_load_completes(integration, monday, visma_company):
    monday.complexity.limit = 60_000  # six item mutations a window (each costs 10,000 points and its selection)
    monday.complexity.window = 2

    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    documents = items_by_key(monday, board_named(monday, "Visma documents"))
    assert len(documents) == sum(SIZES.values()) and all(len(i) == 1 for i in documents.values())
    pacer = pacer_for(get_vendor("monday").client_for(integration.destination).cache_key)
    refused = monday.log.filter(vendor="monday", status=429)
    assert pacer.waits, "the client never waited for the budget"
    assert len(refused) <= len(pacer.waits)  # every refusal was waited out, not hammered


def test_a_full_board_fails_the_records_it_cannot_take_with_mondays_message_and_the_run_goes_on(
        integration, monday, visma_company):
    integration_update(integration=integration, options={"customer_invoices_board_id": "new"})  # a board of their own
    layouts = board_setup(integration=integration, client=get_vendor("monday").client_for(integration.destination))
    room = SIZES["supplier_invoices"] + SIZES["purchase_orders"] - 3
    monday.items_limit_set(room, board_id=layouts["documents"]["id"])  # monday's 10,000 cap, reached sooner

    finished = run(integration)

    assert finished.status == SyncRun.Status.PARTIAL, finished.error
    failed = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.FAILED)
    assert failed.count() == 3
    for record in failed:
        assert "Maximum of" in record.reason and "ItemsLimitationException" in record.reason
        assert record.error_class == "VendorRejected" and record.error_vendor == "monday.com"
        assert "pick another board for these documents in the integration's setup" in record.error_hint
    assert len(items_by_key(monday, board_named(monday, "Visma documents"))) == room
    # The run went on: every document the board could not take is its own failed record (not only the first), and
    # the stream after them (customer invoices, on their own board) and the reference board are complete.
    assert len(items_by_key(monday, board_named(monday, "Visma customer invoices"))) == SIZES["customer_invoices"]
    reference = items_by_key(monday, board_named(monday, "Visma reference data"))
    assert len(reference) == len(visma_company.data.tables["accounts"]) + len(segments(visma_company))
