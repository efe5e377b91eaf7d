"""Visma.net → Power BI from the admin, over real HTTP against both sandboxes: every pushed batch is listed with
its lineage, a batch is replayed (a confirmed one and one whose outcome was unknown) without moving what a
report sums, and schema drift is shown and applied by PUT table. Sums are computed from the sandbox's rows."""
import pytest
from django.urls import reverse

from audit.models import AuditRecord
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError
from connections.vendors.powerbi.schema import VISMA_FINANCE
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import PendingRecord, SyncRun, WriteIntent
from syncs.services import integration_create
from tests.admin.page import find, find_all, messages_of
from tests.e2e.test_visma_powerbi import open_ap, visma_balance


@pytest.fixture
def finance(tenant_a, make_sandbox_connection, powerbi, visma_company):
    """Supplier invoices only: one batch per run, so the test knows which batch is which."""
    return integration_create(tenant=tenant_a, name="Finance → BI", flow_kind="visma_powerbi",
                              streams=["SupplierInvoices"],
                              source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                              destination=make_sandbox_connection("powerbi", tenant=tenant_a, name="Power BI"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def url(name, integration, *args):
    return reverse(f"customer_admin:syncs_integration_{name}", args=[integration.pk, *args])


def only_batch(integration) -> str:
    [batch] = set(WriteIntent.objects.filter(integration=integration).values_list("batch", flat=True))
    return batch


def test_the_page_lists_each_batch_with_its_lineage(client, owner, finance, powerbi):
    assert run(finance).status == SyncRun.Status.SUCCEEDED
    batch = only_batch(finance)
    dataset = powerbi.dataset_named("Visma Finance")
    client.force_login(owner)

    page = client.get(url("powerbi", finance))

    assert find(page, data_test="schema-ok")
    [row] = find_all(page, data_test="batch-row")
    assert row["data-batch"] == batch
    assert find(page, data_test="batch-rows").text == "30"
    assert find(page, data_test="batch-state").text == "confirmed"
    detail = client.get(url("powerbi_batch", finance, batch))
    assert find(detail, data_test="batch-dataset").text == dataset.id
    assert find(detail, data_test="batch-table").text == "SupplierInvoices"
    assert len(find(detail, data_test="batch-hash").text) == 64
    assert find(detail, data_test="batch-response").text == "200 OK: rows added"
    assert {r["BatchId"] for r in powerbi.table_rows("Visma Finance", "SupplierInvoices")} == {batch}
    dashboard = client.get(reverse("customer_admin:syncs_integration_dashboard", args=[finance.pk]))
    assert find(dashboard, data_test="powerbi-page-link")["href"] == url("powerbi", finance)


def test_replaying_a_confirmed_batch_changes_no_sum(client, owner, finance, powerbi, visma_company):
    run(finance)
    batch = only_batch(finance)
    client.force_login(owner)

    response = client.post(url("powerbi_replay", finance, batch), follow=True)

    [message] = messages_of(response)
    assert f"Batch {batch} replayed" in message and "30 row(s) posted again to SupplierInvoices" in message
    assert "Power BI answered 200 (RequestId " in message and "0 row(s) confirmed now" in message
    rows = powerbi.table_rows("Visma Finance", "SupplierInvoices")
    assert len(rows) == 60 and {r["BatchId"] for r in rows} == {batch}  # the same rows, twice…
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")  # …each counted once
    [replayed] = find_all(response, data_test="batch-replay-row")
    assert "Replayed batch" in replayed.text
    record = AuditRecord.objects.get(integration=finance, action=AuditRecord.Action.REPLAY)
    assert record.payload["status"] == 200 and record.payload["rows"] == 30 and record.payload["request_id"]
    assert SyncRun.objects.get(pk=record.run_id).trigger == SyncRun.Trigger.REPLAY
    assert run(finance).status == SyncRun.Status.SUCCEEDED
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 60


def test_a_batch_whose_answer_was_lost_is_confirmed_by_its_replay(client, owner, finance, powerbi, visma_company):
    client_ = get_vendor("powerbi").client_for(finance.destination)
    client_.create_dataset(VISMA_FINANCE.to_power_bi())  # so the run's only write is its POST rows
    powerbi.faults.error_after_next(1, status=500)  # Power BI took the rows, the answer is lost

    with pytest.raises(VendorError):
        run(finance)
    batch = only_batch(finance)
    assert set(WriteIntent.objects.filter(batch=batch).values_list("state", flat=True)) == {"sent"}
    client.force_login(owner)
    detail = client.get(url("powerbi_batch", finance, batch))
    assert "outcome is unknown" in find(detail, data_test="batch-response").text

    response = client.post(url("powerbi_replay", finance, batch), follow=True)

    assert "30 row(s) confirmed now" in messages_of(response)[0]
    assert set(WriteIntent.objects.filter(batch=batch).values_list("state", flat=True)) == {"confirmed"}
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 60
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")
    nothing_new = run(finance)  # the id map followed the replay: the next run appends nothing
    assert nothing_new.status == SyncRun.Status.SUCCEEDED and len(
        powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 60


def test_drift_is_shown_and_applied_from_the_admin(client, owner, finance, powerbi, visma_company):
    drifted = VISMA_FINANCE.to_power_bi()
    invoices = drifted["tables"][0]
    invoices["columns"] = [dict(c, dataType="String") if c["name"] == "Balance" else c for c in invoices["columns"]
                           if c["name"] != "Status"] + [{"name": "Notes", "dataType": "String"}]
    dataset_id = get_vendor("powerbi").client_for(finance.destination).create_dataset(drifted)["id"]
    failed = run(finance)
    assert failed.status == SyncRun.Status.FAILED and "Apply the declared schema" in failed.error
    client.force_login(owner)

    page = client.get(url("powerbi", finance))
    assert {i.text for i in find_all(page, data_test="drift-item")} == {
        "SupplierInvoices[Balance] is String, expected Double.",
        "SupplierInvoices[Status] is missing (expected String)."}
    response = client.post(url("powerbi_schema_apply", finance), follow=True)

    assert "Applied the declared columns to SupplierInvoices" in messages_of(response)[0]
    assert find(response, data_test="schema-ok")
    table = powerbi.datasets[dataset_id].tables["SupplierInvoices"]
    columns = {c["name"]: c["dataType"] for c in table.definition["columns"]}
    assert columns["Balance"] == "Double" and columns["Status"] == "String" and columns["Notes"] == "String"
    assert AuditRecord.objects.get(integration=finance, stream="schema").reason.startswith("Declared schema applied")
    assert run(finance).status == SyncRun.Status.SUCCEEDED
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")


def test_an_outsider_sees_no_page_and_replays_nothing(client, outsider, finance, powerbi):
    run(finance)
    batch = only_batch(finance)
    client.force_login(outsider)

    for name, args in (("powerbi", ()), ("powerbi_batch", (batch,))):
        assert client.get(url(name, finance, *args)).status_code == 404
    assert client.post(url("powerbi_replay", finance, batch)).status_code == 404
    assert client.post(url("powerbi_schema_apply", finance)).status_code == 404
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 30
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.REPLAY).exists()


def test_a_member_sees_the_batches_but_may_not_replay(client, member, finance, powerbi):
    run(finance)
    batch = only_batch(finance)
    client.force_login(member)

    assert not find_all(client.get(url("powerbi_batch", finance, batch)), data_test="batch-replay")
    assert client.post(url("powerbi_replay", finance, batch)).status_code == 403
    assert client.post(url("powerbi_schema_apply", finance)).status_code == 403
    assert not AuditRecord.objects.filter(stream="schema").exists()
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 30


def test_a_refused_batch_is_replayed_once_the_cause_is_fixed(client, owner, tenant_a, make_sandbox_connection,
                                                             powerbi, visma_company):
    """Power BI refuses the POST (the principal is only a Viewer of the workspace): the batch is failed with
    Power BI's words; the owner fixes the principal and replays it, and the rows land once."""
    from connections.services import connection_update
    from sandbox.vendors.powerbi.contract import DEMO_CREDENTIALS, VIEWER_CREDENTIALS

    destination = make_sandbox_connection("powerbi", tenant=tenant_a, name="Power BI")
    get_vendor("powerbi").client_for(destination).create_dataset(VISMA_FINANCE.to_power_bi())
    connection_update(connection=destination, credentials=VIEWER_CREDENTIALS)
    finance = integration_create(tenant=tenant_a, name="Finance → BI", flow_kind="visma_powerbi",
                                 streams=["SupplierInvoices"], destination=destination,
                                 source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"))
    assert run(finance).status == SyncRun.Status.PARTIAL
    batch = only_batch(finance)
    client.force_login(owner)
    answer = find(client.get(url("powerbi_batch", finance, batch)), data_test="batch-response").text
    assert answer.startswith("403: ") and "Viewer role" in answer and "needs Member or Admin" in answer

    connection_update(connection=destination, credentials=DEMO_CREDENTIALS)
    response = client.post(url("powerbi_replay", finance, batch), follow=True)

    assert "30 row(s) confirmed now" in messages_of(response)[0]
    assert find(response, data_test="batch-response").text == "200 OK: rows added"
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 30  # refused rows were never added
    assert open_ap(powerbi) == visma_balance(visma_company, "supplier_invoices")
    assert not PendingRecord.objects.filter(integration=finance).exclude(status=PendingRecord.Status.RESOLVED)
