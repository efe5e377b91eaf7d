"""Visma.net → Power BI end to end over real HTTP, both sandboxes: the dataset is created, the backfill lands,
a paid invoice moves the sums, and a worker killed after Power BI took a batch leaves duplicate rows that
change no sum (docs/flows/visma-powerbi.md). Sums are asserted from the Power BI sandbox's own rows."""
import pytest

from connections.vendors import get_vendor
from sandbox.vendors.powerbi.store import rows_latest_sum
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows import FlowSpec, register_flow
from syncs.flows.visma_powerbi import STREAMS
from syncs.flows.visma_powerbi.streams import CREDIT_DOCUMENTS, SupplierInvoices
from syncs.models import PendingRecord, SyncRun
from syncs.services import integration_create

CRASHING_KIND = "test_visma_powerbi_crash"


class SimulatedCrash(RuntimeError):
    """Stands in for the worker dying after Power BI took the rows, before our commit."""


class CrashingSupplierInvoices(SupplierInvoices):
    crashes = 0

    def write_batch(self, intents):
        targets = super().write_batch(intents)
        if CrashingSupplierInvoices.crashes:
            CrashingSupplierInvoices.crashes -= 1
            raise SimulatedCrash("worker died after Power BI answered")
        return targets


def build_streams(ctx):
    return [CrashingSupplierInvoices(ctx)]


def integration_for(tenant, make_sandbox_connection, kind="visma_powerbi"):
    return integration_create(tenant=tenant, name="Finance → BI", flow_kind=kind,
                              source=make_sandbox_connection("visma", tenant=tenant, name="Visma"),
                              destination=make_sandbox_connection("powerbi", tenant=tenant, name="Power BI"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def visma_balance(visma, table: str) -> float:
    rows, _ = visma.data.tables[table].ordered()
    return round(sum(-r["balance"] if r["documentType"] in CREDIT_DOCUMENTS else r["balance"] for r in rows), 2)


def open_ap(powerbi) -> float:
    return round(powerbi.table_latest_sum("Visma Finance", "SupplierInvoices", "InvoiceId", "Balance"), 2)


def test_the_backfill_creates_the_dataset_and_matches_visma(tenant_a, make_sandbox_connection, powerbi, visma_company):
    integration = integration_for(tenant_a, make_sandbox_connection)

    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    dataset = powerbi.dataset_named("Visma Finance")
    lines = [line for t in visma_company.data.tables["journal_transactions"].ordered()[0]
             for line in t["journalTransactionLines"]]
    segments = {(s["segmentId"], s["segmentValue"]) for a in visma_company.data.tables["subaccounts"].ordered()[0]
                for s in a["segments"]}
    assert {name: len(t.rows) for name, t in dataset.tables.items()} == {
        "GLAccounts": 6, "Dimensions": len(segments), "SupplierInvoices": 30, "CustomerInvoices": 30,
        "Payments": 15, "JournalLines": len(lines)}
    debit = powerbi.table_latest_sum("Visma Finance", "JournalLines", "LineKey", "Debit")
    assert round(debit, 2) == round(sum(line["debitAmount"] for line in lines), 2)
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")
    assert round(powerbi.table_latest_sum("Visma Finance", "CustomerInvoices", "InvoiceId", "Balance"), 2) == \
        visma_balance(visma_company, "customer_invoices")
    # One POST per table: the rows of a page go in one batch.
    assert len(powerbi.log.filter(vendor="powerbi", method="POST", path_contains="/rows")) == 6
    assert len({r["BatchId"] for r in powerbi.table_rows("Visma Finance", "SupplierInvoices")}) == 1

    assert run(integration).status == SyncRun.Status.SUCCEEDED  # nothing changed: nothing appended
    assert len(powerbi.log.filter(vendor="powerbi", method="POST", path_contains="/rows")) == 6


def test_a_paid_invoice_is_a_new_version_and_the_sums_follow(tenant_a, make_sandbox_connection, powerbi,
                                                              visma_company):
    integration = integration_for(tenant_a, make_sandbox_connection)
    run(integration)
    table = visma_company.data.tables["supplier_invoices"]
    invoice = next(r for r in table.ordered()[0] if r["documentType"] == "Invoice" and r["balance"] > 0)
    visma_company.modify("supplierInvoice", table.key_of(invoice), balance=0.0, status="Closed")

    assert run(integration).status == SyncRun.Status.SUCCEEDED

    pushed = powerbi.table_rows("Visma Finance", "SupplierInvoices")
    assert len(pushed) == 31  # appended, never changed in place
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")
    assert round(sum(r["Balance"] for r in pushed), 2) != open_ap(powerbi)  # why the measures take the latest


def test_a_worker_killed_after_power_bi_took_a_batch_changes_no_sum(tenant_a, make_sandbox_connection, powerbi,
                                                                     visma_company):
    register_flow(FlowSpec(CRASHING_KIND, "Test: Visma → Power BI, crashing", "visma", "powerbi",
                           ("SupplierInvoices",), module=__name__))
    integration = integration_for(tenant_a, make_sandbox_connection, kind=CRASHING_KIND)
    CrashingSupplierInvoices.crashes = 1

    with pytest.raises(SimulatedCrash):
        run(integration)
    rerun = run(integration)

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    pushed = powerbi.table_rows("Visma Finance", "SupplierInvoices")
    assert len(pushed) == 60  # the batch was resent: every row is there twice…
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")  # …and counted once


def test_a_row_power_bi_would_refuse_is_quarantined(tenant_a, make_sandbox_connection, powerbi, visma_company):
    rows, _ = visma_company.data.tables["customer_invoices"].ordered()
    broken = dict(rows[0], balance="12,50")  # not a number
    visma_company.data.tables["customer_invoices"].put(broken)
    integration = integration_for(tenant_a, make_sandbox_connection)

    assert run(integration).status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)

    [pending] = PendingRecord.objects.filter(integration=integration, stream="CustomerInvoices")
    assert pending.status == PendingRecord.Status.QUARANTINED
    assert "Balance is str, not a number" in pending.reason
    assert len(powerbi.table_rows("Visma Finance", "CustomerInvoices")) == 29


def test_schema_drift_stops_the_run_with_the_differences_until_applied(tenant_a, make_sandbox_connection, powerbi,
                                                                       visma_company):
    from connections.vendors.powerbi.schema import VISMA_FINANCE

    integration = integration_for(tenant_a, make_sandbox_connection)
    client = get_vendor("powerbi").client_for(integration.destination)
    drifted = VISMA_FINANCE.to_power_bi()
    invoices = drifted["tables"][0]
    invoices["columns"] = [dict(c, dataType="String") if c["name"] == "Balance" else c for c in invoices["columns"]
                           if c["name"] != "Status"] + [{"name": "Notes", "dataType": "String"}]
    dataset_id = client.create_dataset(drifted)["id"]

    failed = run(integration)

    assert failed.status == SyncRun.Status.FAILED
    assert "SupplierInvoices[Balance] is String, expected Double." in failed.error
    assert "SupplierInvoices[Status] is missing (expected String)." in failed.error
    assert "Notes" not in failed.error  # an extra column of the customer's does no harm
    assert powerbi.table_rows(dataset_id, "SupplierInvoices") == []

    client.put_table(dataset_id, VISMA_FINANCE.table("SupplierInvoices").to_power_bi())
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")


def test_the_streams_cover_the_declared_tables():
    from connections.vendors.powerbi.schema import VISMA_FINANCE

    assert {s.table for s in STREAMS} <= {t.name for t in VISMA_FINANCE.tables}
    assert rows_latest_sum([{"K": 1, "Version": 1, "V": 5}, {"K": 1, "Version": 2, "V": 3},
                            {"K": 1, "Version": 2, "V": 3}], "K", "V") == 3
