"""The drift report of Paychex → Visma, Dayforce → Visma and Visma → Power BI over real HTTP to the sandboxes: each
flow's own comparison (syncs/flows/base.py `drift_compare` / `control_totals`) finds the differences seeded."""
import pytest

from drift.models import DriftItem, DriftReport
from drift.services import drift_item_resync, drift_report_create, drift_report_run
from syncs.models import IdMap, SyncRun
from tests.e2e import test_dayforce_visma as dayforce_e2e
from tests.e2e import test_paychex_visma as paychex_e2e
from tests.e2e import test_visma_powerbi as powerbi_e2e
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.paychex import connection, paychex  # noqa: F401 (fixtures)


def report_of(integration) -> DriftReport:
    report = drift_report_run(report=drift_report_create(integration=integration))
    assert report.status == DriftReport.Status.DONE, report.error_message
    return report


def found(report) -> dict[str, list[DriftItem]]:
    kinds: dict[str, list] = {}
    for item in DriftItem.objects.filter(report=report):
        kinds.setdefault(item.kind, []).append(item)
    return kinds


@pytest.fixture
def paychex_integration(tenant_a, connection, make_sandbox_connection, visma):  # noqa: F811
    return paychex_e2e.integration.__wrapped__(tenant_a, connection, make_sandbox_connection, visma)


def test_paychex_an_edit_in_visma_is_reported_as_changed_there_not_overwritten(paychex_integration, paychex, visma):
    integration = paychex_integration
    assert paychex_e2e.run(integration).status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
    written = IdMap.objects.filter(integration=integration, stream="employees").order_by("source_id")
    edited, gone = written[0], written[1]
    visma.modify("employee", edited.target_id, department="HR")  # a person moved the employee in Visma
    table = visma.data.tables["employees"]
    table.replace([r for r in table.rows.values() if str(r["employeeId"]) != gone.target_id])

    report = report_of(integration)

    kinds = found(report)
    [changed] = kinds[DriftItem.Kind.CHANGED]
    assert changed.source_id == edited.source_id
    assert [(d["field"], d["destination"], d["moved"]) for d in changed.diffs] == [("department", "HR",
                                                                                   "destination")]
    assert [i.source_id for i in kinds[DriftItem.Kind.MISSING]] == [gone.source_id]
    assert set(kinds) == {DriftItem.Kind.CHANGED, DriftItem.Kind.MISSING}  # organizations: every department exists
    off = [t for t in report.totals if t["source"] != t["destination"]]
    assert {t["group"] for t in off} <= {"HR", changed.diffs[0]["source"], gone_department(report, visma)} and off
    # The next sync leaves Visma's edit alone (nothing changed in Paychex): the report is the one to decide.
    assert paychex_e2e.run(integration).updated == 0
    assert visma.record("employee", edited.target_id)["department"] == "HR"
    assert drift_item_resync(item=changed).updated == 1
    assert visma.record("employee", edited.target_id)["department"] == changed.diffs[0]["source"]


def gone_department(report, visma):
    [missing] = DriftItem.objects.filter(report=report, kind=DriftItem.Kind.MISSING)
    return missing.diffs[0]["source"] if missing.diffs else next(
        t["group"] for t in report.totals if t["source"] > t["destination"] and t["group"] != "HR")


def test_paychex_reports_daily_and_rippling_weekly(paychex_integration, tenant_a, make_sandbox_connection):
    from django_celery_beat.models import PeriodicTask

    from syncs.schedules import DRIFT_TASK
    from syncs.services import integration_create, integration_delete

    integration = integration_create(
        tenant=tenant_a, name="HR → ERP", flow_kind="rippling_visma",
        source=make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling"),
        destination=make_sandbox_connection("visma", tenant=tenant_a, name="Visma (HR)"))

    daily = PeriodicTask.objects.get(task=DRIFT_TASK, drift_schedule__integration=paychex_integration)
    weekly = PeriodicTask.objects.get(task=DRIFT_TASK, drift_schedule__integration=integration)
    assert (daily.crontab.hour, daily.crontab.day_of_week) == ("4", "*")
    assert weekly.crontab.day_of_week == "1" and weekly.args == f"[{integration.pk}]"
    integration_delete(integration=integration)
    assert not PeriodicTask.objects.filter(pk=weekly.pk).exists()


@pytest.fixture
def dayforce_integration(tenant_a, make_sandbox_connection, dayforce, visma):  # noqa: F811
    return dayforce_e2e.integration.__wrapped__(tenant_a, make_sandbox_connection, dayforce, visma)


def test_dayforce_a_renamed_cost_centre_and_a_missing_employee_are_found(dayforce_integration, dayforce, visma,
                                                                         monkeypatch):
    from connections.vendors.dayforce.client import DayforceClient

    monkeypatch.setattr(DayforceClient, "rate_limits", ((10, 1.0),))
    integration = dayforce_integration
    assert dayforce_e2e.run(integration).status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
    value = visma.data.values_of("SUBACCOUNT", 2)["5003"]
    value["description"] = "Renamed in Visma"
    employee = IdMap.objects.filter(integration=integration, stream="employees").order_by("source_id").first()
    table = visma.data.tables["employees"]
    table.replace([r for r in table.rows.values() if str(r["employeeId"]) != employee.target_id])

    kinds = found(report_of(integration))

    [changed] = kinds[DriftItem.Kind.CHANGED]
    assert (changed.stream, changed.target_id) == ("org_units", "5003")
    assert [(d["field"], d["destination"]) for d in changed.diffs] == [("description", "Renamed in Visma")]
    assert [(i.stream, i.source_id) for i in kinds[DriftItem.Kind.MISSING]] == [("employees", employee.source_id)]
    # Visma's own seeded cost centres were never ours: extra in the segment, reported as such.
    assert {i.stream for i in kinds.get(DriftItem.Kind.EXTRA, [])} <= {"org_units"}


def test_power_bi_a_newer_visma_version_and_rows_added_outside_are_found(tenant_a, make_sandbox_connection, sandbox):
    visma, powerbi = sandbox.app["visma"], sandbox.app["powerbi"]
    integration = powerbi_e2e.integration_for(tenant_a, make_sandbox_connection)
    assert powerbi_e2e.run(integration).status == SyncRun.Status.SUCCEEDED
    clean = report_of(integration)
    assert clean.found == 0 and clean.totals and not clean.totals_off
    table = visma.data.tables["supplier_invoices"]
    invoice = next(r for r in table.ordered()[0] if r["documentType"] == "Invoice" and r["balance"] > 0)
    visma.modify("supplierInvoice", table.key_of(invoice), balance=0.0, status="Closed")
    pushed = powerbi.dataset_named("Visma Finance").table("Payments").rows
    pushed.append(dict(pushed[0]))  # a row some other tool pushed again

    report = report_of(integration)

    [stale] = found(report)[DriftItem.Kind.DIFFERS]
    assert stale.stream == "SupplierInvoices" and stale.source_id == f"Invoice:{invoice['referenceNumber']}"
    assert {d["field"] for d in stale.diffs} >= {"Balance", "Status", "Version"}
    totals = {(t["stream"], t["label"]): (t["source"], t["destination"]) for t in report.totals}
    assert totals[("Payments", "rows pushed vs rows in Power BI")] == (15, 16)
    assert totals[("Payments", "records in Visma vs records in Power BI")] == (15, 15)
    assert totals[("SupplierInvoices", "rows pushed vs rows in Power BI")] == (30, 30)
    assert drift_item_resync(item=stale).updated == 1  # the new version is appended
    assert report_of(integration).differs == 0
