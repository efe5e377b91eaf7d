"""The drift page of an integration in the customer admin: tenant-scoped, its fixes for managers only, and the
report made on a real worker with its progress."""
import pytest
from django.urls import reverse

from drift.models import DriftItem, DriftReport
from drift.services import drift_report_create, drift_report_run
from syncs.models import SyncRun
from tests.drift.test_rippling_visma_drift import employee_of, synced
from tests.support.worker import wait_for


def page(integration, view="integration"):
    return reverse(f"customer_admin:drift_driftreport_{view}", args=[integration.pk])


@pytest.fixture
def drifted(integration, rippling, visma):
    ada, *_ = synced(integration, rippling)
    edited = employee_of(integration, visma, ada["user_id"])["employeeId"]
    visma.modify("employee", edited, status="Inactive")
    report = drift_report_run(report=drift_report_create(integration=integration))
    [item] = DriftItem.objects.filter(report=report, kind=DriftItem.Kind.CHANGED)
    return item


def test_the_owner_sees_the_report_and_re_syncs_a_record(client, owner, drifted, visma, eager_tasks,
                                                         django_capture_on_commit_callbacks):
    client.force_login(owner)

    shown = client.get(page(drifted.integration))

    assert shown.status_code == 200
    body = shown.content.decode()
    assert 'data-kind="changed"' in body and "active headcount per cost center" in body
    assert "moved: destination" in body and 'data-test="drift-resync"' in body
    with django_capture_on_commit_callbacks(execute=True):
        fixed = client.post(page(drifted.integration, "fix"), {"item": [drifted.pk], "action": "resync"}, follow=True)
    assert "1 record(s) queued to be written again" in fixed.content.decode()
    drifted.refresh_from_db()
    assert drifted.state == DriftItem.State.RESYNCED and drifted.fix_run.status == SyncRun.Status.SUCCEEDED
    assert visma.record("employee", drifted.target_id)["status"] == "Active"


def test_a_viewer_sees_the_report_but_cannot_fix_or_check(client, member, drifted):
    client.force_login(member)

    body = client.get(page(drifted.integration)).content.decode()

    assert 'data-kind="changed"' in body and 'data-test="drift-resync"' not in body
    assert client.post(page(drifted.integration, "fix"), {"item": [drifted.pk], "action": "release"}).status_code == 403
    assert client.post(page(drifted.integration, "check")).status_code == 403
    drifted.refresh_from_db()
    assert drifted.state == DriftItem.State.OPEN


def test_every_drift_page_and_fix_is_a_404_for_an_outsider(client, outsider, drifted):
    client.force_login(outsider)

    for view in ("integration", "check", "fix"):
        assert client.post(page(drifted.integration, view), {"item": [drifted.pk], "action": "release"}
                           ).status_code == 404, view
        assert client.get(page(drifted.integration, view)).status_code == 404, view
    listing = client.get(reverse("customer_admin:drift_driftreport_changelist"))
    assert listing.status_code in (200, 403) and drifted.integration.name not in listing.content.decode()
    drifted.refresh_from_db()
    assert drifted.state == DriftItem.State.OPEN and DriftReport.objects.count() == 1


def test_an_item_of_another_integration_is_not_fixed_through_this_one(client, owner, drifted, tenant_b,
                                                                      make_sandbox_connection):
    from syncs.services import integration_create

    other = integration_create(tenant=drifted.tenant, name="Other", flow_kind="rippling_visma",
                               source=drifted.integration.source, destination=drifted.integration.destination)
    client.force_login(owner)

    client.post(page(other, "fix"), {"item": [drifted.pk], "action": "release"})

    drifted.refresh_from_db()
    assert drifted.state == DriftItem.State.OPEN


@pytest.mark.django_db(transaction=True)
def test_check_now_runs_on_a_real_worker_and_shows_its_progress(client, owner, integration, rippling, visma,
                                                                worker_queue):
    synced(integration, rippling)
    client.force_login(owner)

    client.post(page(integration, "check"))

    report = DriftReport.objects.get(integration=integration)
    wait_for(lambda: DriftReport.objects.get(pk=report.pk).status in ("done", "failed"), timeout=60)
    report.refresh_from_db()
    assert report.status == DriftReport.Status.DONE, report.error_message
    assert (report.streams_done, report.streams_total) == (2, 2) and report.source_read > 0
    assert "0 missing, 0 extra, 0 differing" in client.get(page(integration)).content.decode()
