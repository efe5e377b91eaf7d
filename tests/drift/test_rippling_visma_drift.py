"""The drift report of Rippling → Visma, over real HTTP to both sandboxes: differences seeded on either side are
found, told apart by who moved, counted in the control totals, and fixed (re-synced or released)."""
import copy

from django.core.management import call_command

from drift.models import DriftItem, DriftReport
from drift.services import drift_item_release, drift_item_resync, drift_report_create, drift_report_run
from notifications.models import Kind, Notification
from syncs.models import IdMap, SyncRun
from tests.e2e.test_rippling_visma import employee_of, map_all_departments, run, workers


def report_of(integration) -> DriftReport:
    return drift_report_run(report=drift_report_create(integration=integration))


def items(report, kind=None):
    found = DriftItem.objects.filter(report=report)
    return list(found.filter(kind=kind) if kind else found)


def synced(integration, rippling):
    map_all_departments(integration, rippling)
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    return workers(rippling)


def test_a_synced_integration_has_no_drift_and_matching_headcounts(integration, rippling, visma):
    synced(integration, rippling)

    report = report_of(integration)

    assert report.status == DriftReport.Status.DONE, report.error_message
    assert (report.missing, report.extra, report.differs, report.changed) == (0, 0, 0, 0)
    assert report.source_read >= len(workers(rippling))
    headcounts = [t for t in report.totals if t["label"] == "active headcount per cost center"]
    assert headcounts and all(t["source"] == t["destination"] for t in headcounts)
    assert not Notification.objects.filter(kind=Kind.DRIFT_FOUND).exists()


def test_it_finds_seeded_differences_on_both_sides(integration, rippling, visma, django_capture_on_commit_callbacks):
    ada, grace, linus, *_ = synced(integration, rippling)
    edited = employee_of(integration, visma, ada["user_id"])["employeeId"]
    visma.modify("employee", edited, contact={**visma.record("employee", edited)["contact"],
                                              "email": "typed.in.visma@example.com"})
    rippling.update_worker(grace["id"], work_email="grace.new@example.com")  # not synced yet
    gone = employee_of(integration, visma, linus["user_id"])
    table = visma.data.tables["employees"]
    table.replace([r for r in table.rows.values() if r["employeeId"] != gone["employeeId"]])
    table.put({**copy.deepcopy(gone), "employeeId": 9999, "employeeNumber": "9999"})  # entered by hand in Visma

    with django_capture_on_commit_callbacks(execute=True):
        report = report_of(integration)

    assert (report.missing, report.extra, report.differs, report.changed) == (1, 1, 1, 1)
    [changed] = items(report, DriftItem.Kind.CHANGED)
    assert changed.source_id == ada["user_id"] and changed.target_id == str(edited)
    assert changed.diffs == [{"field": "contact.email", "source": ada["work_email"],
                              "destination": "typed.in.visma@example.com", "written": ada["work_email"],
                              "moved": "destination"}]
    [differs] = items(report, DriftItem.Kind.DIFFERS)
    assert differs.source_id == grace["user_id"]
    assert [(d["field"], d["source"], d["moved"]) for d in differs.diffs] == [("contact.email",
                                                                              "grace.new@example.com", "source")]
    [missing] = items(report, DriftItem.Kind.MISSING)
    assert missing.source_id == linus["user_id"] and missing.note == "written, but gone from there"
    [extra] = items(report, DriftItem.Kind.EXTRA)
    assert extra.target_id == "9999"
    # The deleted and the hand-made employee are in the same department: its headcount is even, the others match.
    assert all(t["source"] == t["destination"] for t in report.totals)
    notice = Notification.objects.get(kind=Kind.DRIFT_FOUND, integration=integration)
    assert "4 differences" in notice.text or "4 records" in notice.subject


def test_a_resync_writes_the_source_again_and_a_release_is_kept(integration, rippling, visma):
    ada, _, linus, *_ = synced(integration, rippling)
    edited = employee_of(integration, visma, ada["user_id"])["employeeId"]
    visma.modify("employee", edited, contact={**visma.record("employee", edited)["contact"], "email": "x@example.com"})
    gone = employee_of(integration, visma, linus["user_id"])["employeeId"]
    table = visma.data.tables["employees"]
    table.replace([r for r in table.rows.values() if r["employeeId"] != gone])
    visma.data.tables["employees"].put({**copy.deepcopy(visma.record("employee", edited)), "employeeId": 9998})
    report = report_of(integration)
    [changed] = items(report, DriftItem.Kind.CHANGED)
    [missing] = items(report, DriftItem.Kind.MISSING)
    [extra] = items(report, DriftItem.Kind.EXTRA)

    assert drift_item_resync(item=changed).status == SyncRun.Status.SUCCEEDED
    assert drift_item_resync(item=missing).created == 1
    drift_item_release(item=extra)

    assert visma.record("employee", edited)["contact"]["email"] == ada["work_email"]
    recreated = IdMap.objects.get(integration=integration, stream="employees", source_id=linus["user_id"])
    assert visma.record("employee", recreated.target_id)["contact"]["email"] == linus["work_email"]
    again = report_of(integration)
    assert (again.missing, again.extra, again.differs, again.changed) == (0, 0, 0, 0)
    assert [i.state for i in items(again)] == [DriftItem.State.RELEASED]  # still there, still accepted


def test_the_command_prints_the_differences(integration, rippling, visma, capsys):
    ada, *_ = synced(integration, rippling)
    edited = employee_of(integration, visma, ada["user_id"])["employeeId"]
    visma.modify("employee", edited, status="Inactive")

    call_command("drift", str(integration.pk))

    out = capsys.readouterr().out
    assert "1 changed at the destination" in out
    assert f"employees {ada['user_id']} → {edited}: Changed at the destination" in out and "'Active' ≠ 'Inactive'" in out
    assert "DIFFERS" in out  # the department's active headcount is one short in Visma


def test_erasing_a_person_deletes_their_differences(integration, rippling, visma):
    from audit.erasure import person_erase

    ada, grace, *_ = synced(integration, rippling)
    for person in (ada, grace):
        number = employee_of(integration, visma, person["user_id"])["employeeId"]
        visma.modify("employee", number, status="Inactive")
    report = report_of(integration)
    assert len(items(report, DriftItem.Kind.CHANGED)) == 2

    person_erase(tenant=integration.tenant, source_id=ada["user_id"])

    assert [i.source_id for i in items(report)] == [grace["user_id"]]
