"""The 250,000-row threshold of Power BI's push quota, told to the client from the lineage: once a table of the
dataset holds that many rows, POST rows is paced at 120 an hour instead of 120 a minute (docs/vendors/powerbi.md
§5), so the flow does not provoke the 429 the sandbox answers for it."""
from types import SimpleNamespace

from connections.vendors.powerbi.client import PowerBIClient
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_powerbi.dataset import rows_pushed
from syncs.flows.visma_powerbi.streams import JournalLines
from syncs.models import SyncRun
from syncs.services import integration_create


def finance(tenant, make_sandbox_connection):
    return integration_create(tenant=tenant, name="Finance → BI", flow_kind="visma_powerbi",
                              streams=["SupplierInvoices"],
                              source=make_sandbox_connection("visma", tenant=tenant, name="Visma"),
                              destination=make_sandbox_connection("powerbi", tenant=tenant, name="Power BI"))


def stream_with(options):
    ctx = SimpleNamespace(options=options, integration=None, source=None, destination=None)
    return JournalLines(ctx)


def test_a_table_is_large_from_250000_rows_counting_this_runs_pushes():
    assert not stream_with({"_table_rows": {"JournalLines": 249_999}}).table_is_large()
    assert not stream_with({"_table_rows": {"JournalLines": 249_999}, "_pushed": {"GLAccounts": [5]}}).table_is_large()
    assert stream_with({"_table_rows": {"JournalLines": 249_999}, "_pushed": {"JournalLines": [1]}}).table_is_large()
    assert stream_with({"_table_rows": {"GLAccounts": 250_000}}).table_is_large()  # any table of the dataset


def test_the_lineage_counts_the_rows_and_the_client_is_told(tenant_a, make_sandbox_connection, powerbi,
                                                            visma_company, monkeypatch):
    integration = finance(tenant_a, make_sandbox_connection)
    told = []
    real_post = PowerBIClient.post_rows

    def post_rows(self, dataset_id, table, rows, *, table_is_large=False):
        told.append(table_is_large)
        return real_post(self, dataset_id, table, rows, table_is_large=table_is_large)

    monkeypatch.setattr(PowerBIClient, "post_rows", post_rows)
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == SyncRun.Status.SUCCEEDED
    assert rows_pushed(integration) == {"SupplierInvoices": 30} and told == [False]

    invoice = visma_company.data.tables["supplier_invoices"].ordered()[0][0]
    visma_company.modify("supplierInvoice", visma_company.data.tables["supplier_invoices"].key_of(invoice),
                         balance=0.0)
    monkeypatch.setattr("syncs.flows.visma_powerbi.table_stream.LARGE_TABLE_ROWS", 30)  # not 250,000 rows in a test
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == SyncRun.Status.SUCCEEDED
    assert told == [False, True]  # 30 rows already in the table: at the (lowered) threshold
