"""The optional refresh of a dependent imported model after a push, over real HTTP: requested once a run pushed
rows, spaced over the day, never past the 8-a-day cap, and shown with its history on the dashboard."""
from django.urls import reverse

from audit.models import AuditRecord
from audit.services import audit_record
from connections.vendors import get_vendor
from sandbox.vendors.powerbi.seed import IMPORTED_DATASET_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_powerbi.refresh import REFRESH_STREAM, REFRESHES_PER_DAY
from syncs.models import SyncRun
from syncs.services import integration_create
from tests.admin.page import find, find_all


def finance(tenant, make_sandbox_connection, **options):
    return integration_create(tenant=tenant, name="Finance → BI", flow_kind="visma_powerbi",
                              streams=["GLAccounts", "SupplierInvoices"],
                              options={"refresh_dataset_id": IMPORTED_DATASET_ID, **options},
                              source=make_sandbox_connection("visma", tenant=tenant, name="Visma"),
                              destination=make_sandbox_connection("powerbi", tenant=tenant, name="Power BI"))


def run(integration):
    finished = sync_run_execute(run=sync_run_create(integration=integration))
    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    return finished


def refreshes(integration):
    return list(AuditRecord.objects.filter(integration=integration, stream=REFRESH_STREAM).order_by("pk"))


def test_a_push_refreshes_the_model_once_and_the_dashboard_shows_it(client, owner, tenant_a, make_sandbox_connection,
                                                                     powerbi, visma_company):
    integration = finance(tenant_a, make_sandbox_connection)

    run(integration)

    [model] = [d for d in powerbi.datasets.values() if d.id == IMPORTED_DATASET_ID]
    assert len(model.refreshes) == 1  # after the last table, not once per table
    [record] = refreshes(integration)
    assert record.outcome == AuditRecord.Outcome.OK and record.target_ref == model.refreshes[0]["requestId"]
    invoice = visma_company.data.tables["supplier_invoices"].ordered()[0][0]
    visma_company.modify("supplierInvoice", visma_company.data.tables["supplier_invoices"].key_of(invoice),
                         balance=0.0)
    run(integration)
    assert len(model.refreshes) == 1  # pushed again, but the last refresh is younger than 24 h / 8
    client.force_login(owner)
    page = client.get(reverse("customer_admin:syncs_integration_dashboard", args=[integration.pk]))
    [row] = find_all(page, data_test="refresh-row")
    assert row["data-outcome"] == "ok" and record.target_ref in row.text
    assert "1 used in the last 24 hours" in find(page, data_test="refresh-cap").text


def test_no_push_no_refresh(tenant_a, make_sandbox_connection, powerbi):
    integration = finance(tenant_a, make_sandbox_connection, refresh_every_minutes=0)
    run(integration)

    run(integration)  # nothing changed in Visma: nothing pushed

    assert len(refreshes(integration)) == 1


def test_the_daily_cap_is_never_exceeded(tenant_a, make_sandbox_connection, powerbi):
    integration = finance(tenant_a, make_sandbox_connection, refresh_every_minutes=0)
    for n in range(REFRESHES_PER_DAY):  # the day's refreshes, already requested by this integration
        audit_record(tenant=tenant_a, integration=integration, action=AuditRecord.Action.UPDATE,
                     outcome=AuditRecord.Outcome.OK, stream=REFRESH_STREAM, source_ref=IMPORTED_DATASET_ID,
                     target_ref=f"earlier-{n}")

    run(integration)

    [model] = [d for d in powerbi.datasets.values() if d.id == IMPORTED_DATASET_ID]
    assert model.refreshes == [] and len(refreshes(integration)) == REFRESHES_PER_DAY


def test_a_refresh_power_bi_refuses_is_recorded_and_the_run_still_succeeds(tenant_a, make_sandbox_connection,
                                                                            powerbi):
    integration = finance(tenant_a, make_sandbox_connection)
    someone_else = get_vendor("powerbi").client_for(integration.destination)
    for _ in range(REFRESHES_PER_DAY):  # another tool used the model's cap
        someone_else.refresh_dataset(IMPORTED_DATASET_ID)

    run(integration)

    [record] = refreshes(integration)
    assert record.outcome == AuditRecord.Outcome.FAILED
    assert "has used its 8 refreshes for today" in record.reason and "The pushed rows are in" in record.reason
