"""Visma fields → Power BI columns in the setup wizard, over real HTTP against both sandboxes: the field step
offers a real Visma record's fields and the customer dataset's columns; a mapped field is converted to its
column's type; a row that cannot be converted, or is mapped to a column the dataset lacks, is quarantined."""
import pytest

from connections.vendors import get_vendor
from connections.vendors.powerbi.schema import VISMA_FINANCE
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Cursor, FieldMapping, PendingRecord, SyncRun
from wizard.models import IntegrationDraft

CUSTOMER_COLUMNS = [{"name": "OnHold", "dataType": "Boolean"}, {"name": "PeriodNumber", "dataType": "Int64"},
                    {"name": "SupplierRef", "dataType": "String"}]


@pytest.fixture
def customer_dataset(sandbox, make_sandbox_connection, tenant_a):
    """The customer defined the schema first: ours, plus three columns of their own on SupplierInvoices."""
    schema = VISMA_FINANCE.to_power_bi()
    schema["tables"][0]["columns"] += CUSTOMER_COLUMNS
    client = get_vendor("powerbi").client_for(make_sandbox_connection("powerbi", tenant=tenant_a, name="Setup"))
    return client.create_dataset(schema)["id"]


def to_mapping_step(wizard):
    wizard.start(name="Finance → BI", flow_kind="visma_powerbi")
    wizard.connect("source", "visma", "Visma")
    wizard.connect("destination", "powerbi", "Power BI")
    wizard.streams("SupplierInvoices")
    return wizard.client.get(wizard.url("mappings"))


def invoices_table(page):
    return next(t for t in page.context["form"].field_tables() if t.stream.stream == "SupplierInvoices")


def map_columns(wizard, page, **columns):
    """POST the field step with Power BI column ← Visma field, in the free rows the wizard offers (a few per
    visit: the step is visited again for the rest, as a person would)."""
    pending = list(columns.items())
    while pending:
        free = [r for r in invoices_table(page).rows if r.target_input is not None and not r.target_input.value()]
        data = {}
        for row, (column, field) in zip(free, pending):
            data[row.target_input.html_name], data[row.source.html_name] = column, field
        pending = pending[len(free):]
        wizard.mappings(data)
        page = wizard.client.get(wizard.url("mappings"))
    return IntegrationDraft.objects.get(pk=wizard.draft_id).integration


def test_the_field_step_offers_visma_fields_and_the_datasets_columns(wizard, customer_dataset):
    page = to_mapping_step(wizard)

    table = invoices_table(page)
    defaults = {r.target: r.default_source for r in table.rows if r.target}
    assert defaults["Balance"] == "balance" and defaults["DueDate"] == "dueDate"
    assert "supplierReference" in table.stream.source_fields and "supplier.name" in table.stream.source_fields
    targets = dict(table.stream.target_fields)
    assert targets["OnHold"] == "OnHold (Boolean)" and targets["Balance"] == "Balance (Double)"
    assert "Version" not in targets  # the connector's own columns are not for mapping


def test_mapped_fields_are_converted_to_their_columns_types(wizard, sandbox, customer_dataset):
    page = to_mapping_step(wizard)
    integration = map_columns(wizard, page, OnHold="hold", PeriodNumber="financialPeriod",
                              SupplierRef="supplierReference")
    assert set(FieldMapping.objects.filter(integration=integration).values_list("target_field", flat=True)) == {
        "OnHold", "PeriodNumber", "SupplierRef"}

    finished = sync_run_execute(run=sync_run_create(integration=integration))

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    visma = {f"{r['documentType']}:{r['referenceNumber']}": r
             for r in sandbox.app["visma"].data.tables["supplier_invoices"].ordered()[0]}
    rows = sandbox.app["powerbi"].table_rows(customer_dataset, "SupplierInvoices")
    assert len(rows) == len(visma)
    for row in rows:
        record = visma[row["InvoiceId"]]
        assert row["OnHold"] is record["hold"]
        assert row["PeriodNumber"] == int(record["financialPeriod"])  # "202401" (text in Visma) → Int64
        assert row["SupplierRef"] == record["supplierReference"]


def test_a_value_that_does_not_convert_or_a_missing_column_is_quarantined(wizard, sandbox, customer_dataset):
    page = to_mapping_step(wizard)
    integration = map_columns(wizard, page, PeriodNumber="status", Notes="description")

    finished = sync_run_execute(run=sync_run_create(integration=integration))

    assert finished.status == SyncRun.Status.PARTIAL
    reasons = {p.reason for p in PendingRecord.objects.filter(integration=integration)}
    assert reasons and all("SupplierInvoices[PeriodNumber] ← status:" in r and "is not a number" in r
                           or "has no such column" in r for r in reasons)
    assert sandbox.app["powerbi"].table_rows(customer_dataset, "SupplierInvoices") == []


def test_the_admin_validates_the_customers_dataset_against_the_mapping(wizard, customer_dataset):
    from syncs.flows.visma_powerbi.services import powerbi_schema_check

    integration = map_columns(wizard, to_mapping_step(wizard), SupplierRef="supplierReference", Notes="description")

    dataset_id, problems = powerbi_schema_check(integration=integration)

    assert dataset_id == customer_dataset
    assert [str(p) for p in problems] == [
        "SupplierInvoices[Notes] is missing (expected by the field mapping, from Visma description)."]


def test_a_mapping_edit_makes_the_re_read_rows_the_latest(wizard, sandbox, customer_dataset):
    page = to_mapping_step(wizard)
    integration = map_columns(wizard, page, SupplierRef="supplierReference")
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == SyncRun.Status.SUCCEEDED
    first = {r["InvoiceId"]: r for r in sandbox.app["powerbi"].table_rows(customer_dataset, "SupplierInvoices")}
    FieldMapping.objects.filter(integration=integration, target_field="SupplierRef").update(source_field="description")
    Cursor.objects.filter(integration=integration, stream="SupplierInvoices").update(value={})  # re-read everything

    assert sync_run_execute(run=sync_run_create(integration=integration)).status == SyncRun.Status.SUCCEEDED

    rows = sandbox.app["powerbi"].table_rows(customer_dataset, "SupplierInvoices")
    newest = {}
    for row in rows:
        if row["InvoiceId"] not in newest or row["Version"] > newest[row["InvoiceId"]]["Version"]:
            newest[row["InvoiceId"]] = row
    visma = {f"{r['documentType']}:{r['referenceNumber']}": r
             for r in sandbox.app["visma"].data.tables["supplier_invoices"].ordered()[0]}
    assert len(rows) == 2 * len(visma)  # Visma changed nothing, the mapping did: every row anew…
    assert all(newest[k]["SupplierRef"] == visma[k]["description"] for k in visma)  # …and each one the latest
    assert all(newest[k]["Version"] > first[k]["Version"] for k in visma)  # never a tie with the old row


def test_the_wizard_chooses_the_customers_dataset_or_ours(wizard, sandbox, make_sandbox_connection, tenant_a):
    schema = VISMA_FINANCE.to_power_bi()
    client = get_vendor("powerbi").client_for(make_sandbox_connection("powerbi", tenant=tenant_a, name="Setup"))
    theirs = client.create_dataset({**schema, "name": "Finance (ours, says the customer)"})["id"]
    page = to_mapping_step(wizard)
    [table] = [t for t in page.context["form"].value_tables() if t.choices.map_name == "powerbi_dataset"]
    [row] = table.rows
    offered = dict(table.choices.target_values)
    assert offered[theirs] == f"Finance (ours, says the customer) (existing push dataset {theirs})"
    assert offered["create"].startswith("Create “Visma Finance”")

    wizard.mappings({row.target.html_name: theirs})
    integration = IntegrationDraft.objects.get(pk=wizard.draft_id).integration
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == SyncRun.Status.SUCCEEDED

    assert len(sandbox.app["powerbi"].table_rows(theirs, "SupplierInvoices")) == 30
    assert not [d for d in sandbox.app["powerbi"].datasets.values() if d.properties["name"] == "Visma Finance"]
