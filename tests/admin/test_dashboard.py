"""The integration dashboard: health from real runs, the progress endpoint, "Run now", the index overview."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mlconnector.celery import app
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Cursor, Integration, PendingRecord, SyncRun
from tests.admin.conftest import visma_employees, workers_in
from tests.admin.page import find, find_all, messages_of


def dashboard(integration):
    return reverse("customer_admin:syncs_integration_dashboard", args=[integration.pk])


def progress(integration):
    return reverse("customer_admin:syncs_integration_progress", args=[integration.pk])


def run_now(integration):
    return reverse("customer_admin:syncs_integration_run", args=[integration.pk])


def test_it_shows_health_figures_computed_from_real_runs(client, owner, synced):
    client.force_login(owner)
    run = synced.run
    assert run.status == SyncRun.Status.PARTIAL and run.failed and run.held  # the fixture's mixed outcome

    page = client.get(dashboard(synced.integration))

    assert page.status_code == 200
    assert find(page, id="health-held")["data-value"] == str(len(synced.held))
    assert find(page, id="health-failed")["data-value"] == str(len(synced.failed))
    assert float(find(page, id="health-error-rate")["data-value"]) == pytest.approx(run.failed / run.read, abs=1e-4)
    assert f"{run.failed} failed of {run.read} records read over the last 1 finished run" in \
        find(page, id="health-error-rate").text
    run.refresh_from_db()
    assert find(page, id="health-last-success")["data-value"] == run.finished_at.isoformat()
    badge = find(page, data_test="health-badge")
    assert badge["data-health"] == "attention"
    assert f"{len(synced.held)} held, {len(synced.failed)} failed" in badge.text


def test_the_lag_is_measured_from_the_newest_synced_source_change(client, owner, synced, rippling):
    client.force_login(owner)
    newest = max(w["updated_at"] for w in rippling.data["workers"].rows.values())

    lag = find(client.get(dashboard(synced.integration)), id="health-lag")

    expected = (timezone.now() - timezone.datetime.fromisoformat(newest)).total_seconds()
    assert lag["data-basis"] == "watermark"
    assert abs(int(lag["data-seconds"]) - expected) < 60
    assert "watermark" in lag.text and "“Employees” stream" in lag.text
    # The run read the source after that change: an old watermark means a quiet source, not a lagging sync.
    assert lag["data-quiet"] == "true" and "nothing has changed at the source since then" in lag.text


def test_without_a_watermark_the_lag_is_the_time_since_the_last_success(client, owner, synced):
    client.force_login(owner)
    Cursor.objects.filter(integration=synced.integration).update(value={})  # a flow that keeps no timestamps

    lag = find(client.get(dashboard(synced.integration)), id="health-lag")

    assert lag["data-basis"] == "last_success"
    assert 0 <= int(lag["data-seconds"]) < 60
    assert "time since the last successful run" in lag.text


def test_the_run_history_lists_every_run_with_its_counts(client, owner, synced, rippling, sandbox):
    client.force_login(owner)
    sandbox.app.clock.advance(60)
    rippling.update_worker(next(iter(rippling.data["workers"].rows)), title="Chief Navigator")
    delta = sync_run_execute(run=sync_run_create(integration=synced.integration))

    rows = find_all(client.get(dashboard(synced.integration)), data_test="run-row")

    assert [int(r["data-run-id"]) for r in rows] == [delta.pk, synced.run.pk]
    for row, run in zip(rows, (delta, synced.run)):
        assert row["data-status"] == run.status
        for count in ("read", "created", "updated", "unchanged", "held", "failed"):
            assert f"{getattr(run, count)}" in row.text
    page = client.get(dashboard(synced.integration))
    assert "over the last 2 finished runs" in find(page, id="health-error-rate").text


def test_the_progress_endpoint_follows_a_run_from_queued_to_finished(client, member, integration, synced, rippling):
    client.force_login(member)  # reading progress is for every member
    changed = next(iter(rippling.data["workers"].rows.values()))
    rippling.update_worker(changed["id"], work_email="progress@example.com")  # something for the delta to read
    run = sync_run_create(integration=integration)

    queued = client.get(progress(integration)).json()

    assert queued["run"]["id"] == run.pk and queued["run"]["status"] == "queued" and queued["run"]["active"]
    assert queued["run"]["read"] == 0
    assert queued["run"]["expected"] == synced.run.read  # the largest recent run is the estimate
    page = client.get(dashboard(integration))
    assert find(page, id="current-run")["data-active"] == "true"
    bar = find(page, id="run-progress")
    assert bar["max"] == str(synced.run.read) and bar["value"] == "0"

    sync_run_execute(run=run)
    finished = client.get(progress(integration) + f"?run={run.pk}").json()["run"]

    run.refresh_from_db()
    assert not finished["active"] and finished["status"] == run.status
    assert finished["read"] == run.read > 0 and finished["unchanged"] == run.unchanged
    assert find(client.get(dashboard(integration)), id="current-run")["data-active"] == "false"


def test_run_now_queues_a_run_that_the_worker_executes(client, owner, synced, visma, rippling,
                                                       django_capture_on_commit_callbacks):
    client.force_login(owner)
    before = SyncRun.objects.count()

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(run_now(synced.integration), follow=True)

    run = SyncRun.objects.latest("pk")
    assert SyncRun.objects.count() == before + 1
    assert run.status == SyncRun.Status.QUEUED and run.trigger == SyncRun.Trigger.MANUAL
    assert len(queued) == 1  # sync_run_task.delay, after the commit
    assert response.redirect_chain[-1][0] == dashboard(synced.integration)
    assert f"Run #{run.number} of HR → ERP is queued" in messages_of(response)[0]
    assert find(response, id="current-run")["data-run-id"] == str(run.pk)
    assert find(response, data_test="run-status").text == "Queued"

    unmapped = workers_in(rippling, synced.unmapped["id"])[0]
    rippling.update_worker(unmapped["id"], work_email="still-unmapped@example.com")  # read again, held again
    app.conf.task_always_eager = True  # the worker's part, in this process
    try:
        queued[0]()
    finally:
        app.conf.task_always_eager = False
    run.refresh_from_db()
    assert run.status == SyncRun.Status.PARTIAL and run.read > 0 and run.held > 0
    assert len(visma_employees(visma)) == synced.run.created - 2  # minus the two departments: no new employee


@pytest.mark.parametrize("actor, status", [("member", 403), ("outsider", 404)])
def test_run_now_is_refused_to_viewers_and_outsiders(client, request, synced, actor, status,
                                                     django_capture_on_commit_callbacks):
    client.force_login(request.getfixturevalue(actor))
    before = SyncRun.objects.count()

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(run_now(synced.integration))

    assert response.status_code == status
    assert SyncRun.objects.count() == before and not queued


def test_run_now_is_a_post(client, owner, synced):
    client.force_login(owner)
    before = SyncRun.objects.count()
    assert client.get(run_now(synced.integration)).status_code == 403
    assert SyncRun.objects.count() == before


def test_an_admin_may_run_too(client, admin_user, synced, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks():
        assert client.post(run_now(synced.integration)).status_code == 302
    assert SyncRun.objects.latest("pk").status == SyncRun.Status.QUEUED


def test_a_viewer_sees_the_dashboard_without_the_run_button(client, member, synced):
    client.force_login(member)
    page = client.get(dashboard(synced.integration))
    assert page.status_code == 200
    assert not find_all(page, id="run-now")
    assert find(page, data_test="run-now-unavailable")
    assert find(page, id="health-held")["data-value"] == str(len(synced.held))


def test_the_index_shows_each_integration_with_its_health(client, owner, member, outsider, synced, integration):
    for user in (owner, member):
        client.force_login(user)
        row = find(client.get(reverse("customer_admin:index")), data_test="overview-row")
        assert row["data-integration-id"] == str(integration.pk) and row["data-health"] == "attention"
        assert "HR → ERP" in row.text

    client.force_login(outsider)
    index = client.get(reverse("customer_admin:index"))
    assert not find_all(index, data_test="overview-row") and "HR → ERP" not in index.content.decode()


def test_the_badge_turns_healthy_when_nothing_waits(client, owner, synced):
    client.force_login(owner)
    PendingRecord.objects.filter(integration=synced.integration).update(status=PendingRecord.Status.RESOLVED)
    changelist = client.get(reverse("customer_admin:syncs_integration_changelist"))
    assert find(changelist, data_test="health-badge")["data-health"] == "paused"  # the fixture's is not turned on

    Integration.objects.filter(pk=synced.integration.pk).update(enabled=True)
    changelist = client.get(reverse("customer_admin:syncs_integration_changelist"))
    assert find(changelist, data_test="health-badge")["data-health"] == "healthy"


def test_a_failed_last_run_makes_the_badge_red(client, owner, synced):
    client.force_login(owner)
    SyncRun.objects.create(tenant=synced.integration.tenant, integration=synced.integration,
                           status=SyncRun.Status.FAILED, error_class="VendorAuthError", error_vendor="Visma.net",
                           error_status=401,
                           started_at=timezone.now() - timedelta(seconds=5), finished_at=timezone.now())
    page = client.get(dashboard(synced.integration))
    assert find(page, data_test="health-badge")["data-health"] == "failing"
    assert "Visma.net answered 401." in find_all(page, data_test="run-row")[0].text


def test_staff_see_every_tenants_dashboard_on_the_ops_site(client, synced, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    staff = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get(reverse("ops_admin:syncs_integration_dashboard", args=[synced.integration.pk]))
    assert page.status_code == 200
    assert find(page, id="health-held")["data-value"] == str(len(synced.held))
    with django_capture_on_commit_callbacks():
        assert client.post(reverse("ops_admin:syncs_integration_run", args=[synced.integration.pk])).status_code == 302
    assert SyncRun.objects.latest("pk").status == SyncRun.Status.QUEUED
