"""GL accounts and dimensions as current-state tables over real HTTP: one row per record after a change, a
rebuild killed half-way repaired by the next run, a replayed batch rebuilt rather than appended."""
import pytest
from django.urls import reverse

from connections.vendors.powerbi.client import PowerBIClient
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Cursor, IntegrationLock, SyncRun, WriteIntent
from syncs.services import integration_create


@pytest.fixture
def finance(tenant_a, make_sandbox_connection, powerbi, visma_company):
    return integration_create(tenant=tenant_a, name="Finance → BI", flow_kind="visma_powerbi",
                              streams=["GLAccounts", "JournalLines"],
                              source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                              destination=make_sandbox_connection("powerbi", tenant=tenant_a, name="Power BI"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def accounts(powerbi) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for row in powerbi.table_rows("Visma Finance", "GLAccounts"):
        rows.setdefault(row["AccountCd"], []).append(row)
    return rows


def visma_accounts(visma_company) -> dict[str, dict]:
    return {a["accountCd"]: a for a in visma_company.data.tables["accounts"].ordered()[0]}


def rename_first_account(visma_company) -> str:
    first = sorted(visma_accounts(visma_company))[0]
    visma_company.modify("account", visma_company.data.tables["accounts"].key_of(visma_accounts(visma_company)[first]),
                         description="Renamed in Visma")
    return first


def test_a_changed_account_leaves_one_row_per_account(finance, powerbi, visma_company):
    assert run(finance).status == SyncRun.Status.SUCCEEDED
    assert {k: len(v) for k, v in accounts(powerbi).items()} == dict.fromkeys(visma_accounts(visma_company), 1)
    renamed = rename_first_account(visma_company)

    assert run(finance).status == SyncRun.Status.SUCCEEDED

    rows = accounts(powerbi)
    assert {k: len(v) for k, v in rows.items()} == dict.fromkeys(visma_accounts(visma_company), 1)  # the join holds
    assert rows[renamed][0]["Description"] == "Renamed in Visma"
    assert Cursor.objects.get(integration=finance, stream="GLAccounts#current").value["rows"] == len(rows)
    lines = powerbi.table_rows("Visma Finance", "JournalLines")
    assert {line["AccountCd"] for line in lines} <= set(rows)  # every journal line finds its account


class WorkerKilled(BaseException):
    """Stands in for the worker dying: not an Exception, so nothing of ours catches it."""


def test_a_rebuild_killed_half_way_is_finished_by_the_next_run(finance, powerbi, visma_company, monkeypatch):
    run(finance)
    rename_first_account(visma_company)
    real_delete, real_post = PowerBIClient.delete_rows, PowerBIClient.post_rows
    emptied = []

    def delete_rows(self, dataset_id, table):
        real_delete(self, dataset_id, table)
        emptied.append(table)

    def post_rows(self, dataset_id, table, rows, **kwargs):
        if emptied:
            raise WorkerKilled("killed between Power BI's DELETE and the first POST of the rebuild")
        return real_post(self, dataset_id, table, rows, **kwargs)

    monkeypatch.setattr(PowerBIClient, "delete_rows", delete_rows)
    monkeypatch.setattr(PowerBIClient, "post_rows", post_rows)
    with pytest.raises(WorkerKilled):
        run(finance)
    assert accounts(powerbi) == {}  # what a kill at that moment leaves
    monkeypatch.undo()
    SyncRun.objects.filter(status=SyncRun.Status.RUNNING).update(status=SyncRun.Status.ABANDONED)
    IntegrationLock.objects.filter(integration=finance).delete()  # what the reaper does for a dead worker

    assert run(finance).status == SyncRun.Status.SUCCEEDED  # Visma changed nothing since, yet the table is repaired

    assert {k: len(v) for k, v in accounts(powerbi).items()} == dict.fromkeys(visma_accounts(visma_company), 1)


def test_a_replayed_reference_batch_is_a_rebuild(client, owner, finance, powerbi, visma_company):
    run(finance)
    [batch] = set(WriteIntent.objects.filter(integration=finance, stream="GLAccounts").values_list("batch", flat=True))
    client.force_login(owner)

    response = client.post(reverse("customer_admin:syncs_integration_powerbi_replay", args=[finance.pk, batch]),
                           follow=True)

    assert "GLAccounts holds one row per record, so it was rebuilt" in str(list(response.context["messages"])[0])
    assert {k: len(v) for k, v in accounts(powerbi).items()} == dict.fromkeys(visma_accounts(visma_company), 1)


def test_a_preview_never_finishes_a_rebuild(finance, powerbi, visma_company):
    run(finance)
    Cursor.objects.filter(integration=finance, stream="GLAccounts#current").update(value={"rebuilding": True})
    before = list(powerbi.log.filter(vendor="powerbi", method="DELETE"))

    preview = sync_run_execute(run=sync_run_create(integration=finance, dry_run=True), limit=5)

    assert preview.status == SyncRun.Status.SUCCEEDED
    assert list(powerbi.log.filter(vendor="powerbi", method="DELETE")) == before  # a dry run writes nothing
    assert run(finance).status == SyncRun.Status.SUCCEEDED  # the next real run does it
    assert len(powerbi.log.filter(vendor="powerbi", method="DELETE")) == len(before) + 1


def test_a_change_written_by_a_run_that_does_not_rebuild_is_rebuilt_by_the_next(finance, powerbi, visma_company):
    from syncs.engine import records_process

    run(finance)
    renamed = rename_first_account(visma_company)
    record = visma_accounts(visma_company)[renamed]
    records_process(run=sync_run_create(integration=finance), stream_name="GLAccounts", records=[record])
    assert len(accounts(powerbi)[renamed]) == 2  # a webhook-style run appends, and does not rebuild

    assert run(finance).status == SyncRun.Status.SUCCEEDED  # nothing new to push, yet the table is rebuilt

    rows = accounts(powerbi)
    assert {k: len(v) for k, v in rows.items()} == dict.fromkeys(visma_accounts(visma_company), 1)
    assert rows[renamed][0]["Description"] == "Renamed in Visma"
    deletes = len(powerbi.log.filter(vendor="powerbi", method="DELETE"))
    assert run(finance).status == SyncRun.Status.SUCCEEDED
    assert len(powerbi.log.filter(vendor="powerbi", method="DELETE")) == deletes  # and only once
