"""Runs in one process: the lease belongs to the run, a lost lease stops it, the reaper resumes the dead;
failures are stored as columns."""
from datetime import timedelta

import pytest
from django.utils import timezone

from mlconnector.celery import app
from syncs.engine import sync_run_create, sync_run_execute
from syncs.locks import lock_acquire
from syncs.models import Cursor, IntegrationLock, PendingRecord, SyncRun, WriteIntent
from syncs.reaper import abandoned_runs_resume
from syncs.tasks import sync_run_task
from tests.syncs.flow_under_test import CustomersToSuppliers
from tests.syncs.customers_to_suppliers import (  # noqa: F401 (integration and visma are fixtures)
    CUSTOMERS, customers, integration, map_classes, suppliers, visma)


@pytest.fixture
def eager_tasks():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_redelivered_run_resumes_instead_of_skipping_itself(integration, visma):
    map_classes(integration, "DOM", "EXP")
    run = sync_run_create(integration=integration)
    lock_acquire(integration_id=integration.pk, run_id=run.pk)  # its first delivery died holding the lease

    result = sync_run_execute(run=run)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert len(suppliers(visma)) == CUSTOMERS
    assert not IntegrationLock.objects.exists()


def test_a_lost_lease_stops_the_run_before_its_next_page(integration, visma, monkeypatch):
    map_classes(integration, "DOM", "EXP")
    fetch = CustomersToSuppliers.fetch

    def fetch_then_lose_the_lease(self, cursor):
        for number, page in enumerate(fetch(self, cursor)):
            if number == 1:  # meanwhile another process took the integration over
                IntegrationLock.objects.update(owner="another-process")
            yield page

    monkeypatch.setattr(CustomersToSuppliers, "fetch", fetch_then_lose_the_lease)

    result = sync_run_execute(run=sync_run_create(integration=integration))

    # At most the first page, none of the 18 records after it: the first page's calls were out (pages are
    # pipelined) when the next page found the lease gone, so its queued calls were not started, and nothing
    # of it was settled here: the new owner reconciles all five.
    assert len(suppliers(visma)) <= 5
    intents = WriteIntent.objects.filter(integration=integration)
    assert intents.count() == 5 and set(intents.values_list("state", flat=True)) == {WriteIntent.State.SENT}
    assert result.status == SyncRun.Status.RUNNING  # its outcome belongs to the new owner
    assert IntegrationLock.objects.get().owner == "another-process"


def test_the_reaper_resumes_a_run_whose_worker_died(integration, visma, eager_tasks, settings,
                                                    django_capture_on_commit_callbacks):
    settings.SYNC_ABANDON_AFTER_SECONDS = 60
    map_classes(integration, "DOM", "EXP")
    run = sync_run_create(integration=integration)
    silent_since = timezone.now() - timedelta(seconds=61)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, started_at=silent_since,
                                             heartbeat_at=silent_since)
    # The dead worker's lease is still live for another ten minutes: nobody touches it by hand.
    IntegrationLock.objects.create(integration=integration, run=run, owner="dead-worker",
                                   expires_at=timezone.now() + timedelta(minutes=10))
    alive = sync_run_create(integration=integration)
    SyncRun.objects.filter(pk=alive.pk).update(status=SyncRun.Status.RUNNING, started_at=silent_since,
                                               heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        resumed = abandoned_runs_resume()

    assert resumed == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.attempt) == (SyncRun.Status.SUCCEEDED, 2), run.error
    assert len(suppliers(visma)) == CUSTOMERS
    assert SyncRun.objects.get(pk=alive.pk).status == SyncRun.Status.RUNNING  # its heartbeat is fresh


def test_a_run_that_keeps_killing_its_worker_is_given_up(integration, settings):
    settings.SYNC_MAX_STALLED_ATTEMPTS = 3
    run = sync_run_create(integration=integration)
    long_ago = timezone.now() - timedelta(hours=1)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, attempt=3, stalls=2,
                                             started_at=long_ago, heartbeat_at=long_ago)

    assert abandoned_runs_resume() == []

    run.refresh_from_db()
    assert (run.status, run.error_class, run.attempt) == (SyncRun.Status.FAILED, "RunAbandoned", 4)
    assert "stopped 3 times in a row" in run.error and run.finished_at is not None


def test_a_run_that_saves_pages_between_deaths_is_always_resumed(integration, settings,
                                                                django_capture_on_commit_callbacks):
    settings.SYNC_MAX_STALLED_ATTEMPTS = 3
    run = sync_run_create(integration=integration)
    long_ago = timezone.now() - timedelta(hours=1)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, attempt=9, stalls=2,
                                             started_at=long_ago, heartbeat_at=long_ago)
    Cursor.objects.create(integration=integration, stream="customers", value={"page": 4})  # saved by attempt 9

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert abandoned_runs_resume() == [run.pk]

    run.refresh_from_db()
    assert (run.status, run.attempt, run.stalls) == (SyncRun.Status.ABANDONED, 10, 0) and len(queued) == 1


def test_a_late_redelivery_of_a_superseded_attempt_is_dropped(integration, visma, eager_tasks):
    run = sync_run_create(integration=integration)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.ABANDONED, attempt=2)

    assert sync_run_task.apply(args=[run.pk], kwargs={"attempt": 1}).get() == SyncRun.Status.ABANDONED
    assert suppliers(visma) == [] and SyncRun.objects.get(pk=run.pk).started_at is None


def test_a_refused_record_keeps_the_vendors_answer_as_columns(integration, visma):
    map_classes(integration, "DOM", "EXP")
    on_hold = customers(visma)[0]["number"]
    visma.modify("customer", on_hold, status="CreditHold")  # no such supplier status: Visma refuses it

    sync_run_execute(run=sync_run_create(integration=integration))

    failed = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.FAILED)
    assert (failed.error_class, failed.error_vendor, failed.error_status) == ("VendorRejected", "Visma.net", 400)
    assert "CreditHold" in failed.error_message and "CreditHold" in failed.reason
