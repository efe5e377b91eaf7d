"""A drift report takes the integration's lease, the one a sync takes (syncs/locks.py): it never compares while a
sync of the integration is mid-write, and a sync never starts writing while it compares. On the worker a held lease
makes the report wait (a Celery retry) and compare afterwards, or end "skipped: a sync was running" once its
retries are spent; in the foreground (`manage.py drift`) it is skipped at once."""
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from drift.models import DriftItem, DriftReport
from drift.services import BUSY, drift_report_create, drift_report_queue, drift_report_run
from syncs.locks import lock_acquire
from syncs.models import IntegrationLock, SyncRun
from tests.drift.test_rippling_visma_drift import synced
from tests.e2e.test_rippling_visma import run
from tests.support.worker import wait_for, worker_log, worker_taking_all_tasks


def status_of(report) -> str:
    return DriftReport.objects.get(pk=report.pk).status


@contextmanager
def queued_while_a_sync_runs(integration, rippling, *, retry_seconds: str, retries: str):
    """A report queued on a real worker while another process's sync holds the lease: (report, lease, worker log)."""
    synced(integration, rippling)
    sync_lease = lock_acquire(integration_id=integration.pk)
    with worker_taking_all_tasks(extra_env={"DRIFT_LEASE_RETRY_SECONDS": retry_seconds,
                                            "DRIFT_LEASE_RETRIES": retries}) as queue:
        yield drift_report_queue(integration=integration), sync_lease, worker_log(queue)


def test_a_report_while_a_sync_holds_the_lease_is_skipped_and_leaves_the_lease_alone(integration, rippling,
                                                                                     visma, capsys):
    synced(integration, rippling)
    sync_lease = lock_acquire(integration_id=integration.pk)  # a sync mid-write, on another worker

    report = drift_report_run(report=drift_report_create(integration=integration))

    assert report.status == DriftReport.Status.SKIPPED and report.error_message == BUSY
    assert report.source_read == 0 and not DriftItem.objects.filter(report=report).exists()
    assert IntegrationLock.objects.get(integration=integration).owner == sync_lease.owner
    call_command("drift", str(integration.pk))
    assert f"skipped: {BUSY}" in capsys.readouterr().out
    sync_lease.release()
    assert drift_report_run(report=drift_report_create(integration=integration)).status == DriftReport.Status.DONE
    assert not IntegrationLock.objects.filter(integration=integration).exists()  # the report let its lease go


@pytest.mark.django_db(transaction=True)
def test_on_the_worker_a_report_waits_for_the_sync_then_holds_the_lease_itself(integration, rippling, visma):
    with queued_while_a_sync_runs(integration, rippling, retry_seconds="1", retries="60") as (report, sync_lease, log):
        wait_for(lambda: log.read_text().count("Retry in 1") >= 2, timeout=60, message="two retries")
        assert status_of(report) == DriftReport.Status.QUEUED
        rippling.faults.latency_ms = visma.faults.latency_ms = 400  # the comparison takes a few seconds
        try:
            sync_lease.release()  # the sync ended: the next retry compares
            wait_for(lambda: status_of(report) == DriftReport.Status.RUNNING, timeout=30, message="comparing")
            started = run(integration)  # a scheduled sync meets the report's lease
            assert started.status == SyncRun.Status.SKIPPED
        finally:
            rippling.faults.latency_ms = visma.faults.latency_ms = 0
        wait_for(lambda: status_of(report) in ("done", "failed"), timeout=60, message="the report")
    report.refresh_from_db()
    assert report.status == DriftReport.Status.DONE, report.error_message
    assert report.found == 0 and report.source_read > 0


@pytest.mark.django_db(transaction=True)
def test_on_the_worker_a_report_gives_up_as_skipped_after_its_retries(integration, rippling, visma):
    with queued_while_a_sync_runs(integration, rippling, retry_seconds="0.5", retries="2") as (report, sync_lease, log):
        wait_for(lambda: status_of(report) != DriftReport.Status.QUEUED, timeout=60, message="the report")
        assert log.read_text().count("Retry in") == 2
    report.refresh_from_db()
    assert report.status == DriftReport.Status.SKIPPED and report.error_message == BUSY
    assert report.get_status_display() == "Skipped: a sync was running"
    assert IntegrationLock.objects.get(integration=integration).owner == sync_lease.owner
