"""The setup wizard for Visma ↔ monday.com over real HTTP to both sandboxes: the board's columns offered with their
types, the approval labels, a preview of one real invoice as the item it becomes, an explicit field rule to a
customer's column, and a dry run that creates no board."""
import pytest

from audit.models import AuditRecord
from connections.vendors import get_vendor
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_monday.board import board_setup
from syncs.flows.visma_monday.statuses import APPROVAL_MAP
from syncs.models import Integration
from tests.support.monday_board import board_named, items_by_key, operations
from tests.wizard.conftest import writes


def mutations(monday) -> list:
    return [e for e in operations(monday) if str(e.body.get("query", "")).lstrip().startswith("mutation")]


def writes_to_visma(sandbox) -> list:
    return [e for e in writes(sandbox) if e.vendor == "visma"]


@pytest.fixture
def monday_wizard(monday_draft):
    wizard = monday_draft
    wizard.streams("supplier_invoices", "purchase_orders", "customer_invoices", "approval_statuses")
    return wizard


def test_the_mapping_step_shows_the_columns_with_their_types_and_one_invoice_as_an_item(monday_wizard, sandbox):
    page = monday_wizard.client.get(monday_wizard.url("mappings"))

    assert page.status_code == 200
    mapping = page.context["page"]
    targets = dict(next(s for s in mapping.streams if s.stream == "supplier_invoices").target_fields)
    assert targets["amount"] == "Amount (numbers)" and targets["approval"] == "Approval (status)"
    assert "supplierReference" in next(s for s in mapping.streams if s.stream == "supplier_invoices").source_fields
    [labels] = [m for m in mapping.value_maps if m.map_name == APPROVAL_MAP]
    assert [v for v, _ in labels.source_values] == ["Pending", "Approved", "On hold", "Received"]
    invoice = sandbox.app["visma"].data.tables["supplier_invoices"].ordered()[0][0]
    assert mapping.preview_title.startswith(f"Supplier invoice {invoice['referenceNumber']} – ")
    cells = {title: (kind, value) for title, kind, value in mapping.preview}
    assert cells["Due date"] == ("date", f'{{"date": "{invoice["dueDate"][:10]}"}}')
    assert cells["Visma key"][0] == "text" and cells["Open in Visma"][0] == "link"
    html = page.content.decode()
    assert 'id="wizard-record-preview"' in html and "Amount (numbers)" in html
    assert mutations(sandbox.app["monday"]) == [] and writes_to_visma(sandbox) == []  # read only: no board made


def test_an_explicit_rule_fills_a_customer_column_and_the_dry_run_creates_no_board(monday_wizard, sandbox):
    monday = sandbox.app["monday"]
    monday.data.add_board("Visma documents", "", [("text9", "Supplier ref", "text", {})])  # the customer's own
    page = monday_wizard.client.get(monday_wizard.url("mappings"))
    form = page.context["form"]
    [table] = [t for t in form.field_tables() if t.stream.stream == "supplier_invoices"]
    extra = next(row for row in table.rows if row.target_input is not None)
    monday_wizard.mappings({extra.target_input.html_name: "text9", extra.source.html_name: "supplierReference"})
    integration = page.context["draft"].integration

    preview = sync_run_create(integration=integration, dry_run=True)
    sync_run_execute(run=preview, limit=2)
    assert mutations(monday) == []  # a preview sets up no board or column either
    shown = AuditRecord.objects.filter(run=preview, stream="supplier_invoices").first()
    assert shown.outcome == AuditRecord.Outcome.DRY_RUN and "text9" in shown.payload["values"]

    board_setup(integration=integration, client=get_vendor("monday").client_for(integration.destination))
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == "succeeded"
    invoice = sandbox.app["visma"].data.tables["supplier_invoices"].ordered()[0][0]
    [item] = items_by_key(monday, board_named(monday, "Visma documents"))[
        f"supplierInvoice:{invoice['documentType']}:{invoice['referenceNumber']}"]
    assert item["values"]["text9"] == {"text": invoice["supplierReference"]}


@pytest.mark.django_db(transaction=True)
def test_turning_it_on_sets_the_boards_up_and_registers_the_status_webhook(monday_wizard, sandbox, settings,
                                                                          live_server):
    settings.SITE_URL = live_server.url  # monday's challenge reaches our intake
    monday_wizard.mappings()
    monday_wizard.schedule(15)
    monday_wizard.preview(limit=2)

    page = monday_wizard.client.post(monday_wizard.url("enable"), follow=True)

    monday = sandbox.app["monday"]
    board = board_named(monday, "Visma documents")
    assert {c["id"] for c in board["columns"]} >= {"visma_key", "approval", "amount"}
    [hook] = [w for w in monday.webhooks.webhooks.values() if str(w["board_id"]) == board["id"]]
    assert hook["event"] == "change_specific_column_value" and "approval" in hook["config"]
    said = " ".join(str(m) for m in page.context["messages"])
    assert "has the 11 columns the flow writes" in said and "Approval changes on board “Visma documents” are sent back to Visma." in said
    assert board_named(monday, "Visma reference data")


def test_an_unreachable_intake_is_reported_and_the_integration_still_turns_on(monday_wizard, sandbox, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # nothing listens: monday's challenge cannot be answered
    monday_wizard.mappings()
    monday_wizard.schedule(15)
    monday_wizard.preview(limit=2)

    page = monday_wizard.client.post(monday_wizard.url("enable"), follow=True)

    said = " ".join(str(m) for m in page.context["messages"])
    assert "monday.com could not be told to send approval changes (Webhook URL verification failed" in said
    assert Integration.objects.get(name="AP board").enabled
    assert board_named(sandbox.app["monday"], "Visma documents")


def test_the_mapping_step_speaks_the_customers_words(monday_wizard, sandbox):
    html = monday_wizard.client.get(monday_wizard.url("mappings")).content.decode()

    assert "Fields of supplier invoices" in html and "Supplier_invoices" not in html
    # a label whose value is its own name is shown once, not "Pending Pending"
    assert "Pending <span" not in html
    # labels the flow has a default for say so, instead of claiming their records are held
    assert "— default: released (false) —" in html and "— default: on hold (true) —" in html
    assert html.count("— not mapped: its records are held —") == 1  # "Received" alone has no default
