"""Runs whose worker died: detected by their heartbeat, marked abandoned, resumed from the cursor.

Neither broker brings such a run back in time on its own: kombu's filesystem transport deletes a message
when a worker fetches it (a SIGKILL loses it, acks_late or not), and Redis redelivers an unacked message
only after its visibility timeout (hours, so long Celery retry countdowns are not delivered twice). So
beat calls `abandoned_runs_resume` every SYNC_REAP_EVERY_SECONDS; a dead worker's run resumes within
abandon timeout + reap interval + one worker pickup (under two minutes with the defaults).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.hooks import run_finished
from syncs.models import Cursor, IntegrationLock, SyncRun

logger = logging.getLogger(__name__)


def abandoned_runs_resume(*, now: datetime | None = None) -> list[int]:
    """Mark RUNNING runs without a recent heartbeat, and QUEUED runs holding a stale lease, ABANDONED, free
    their lease and queue their next attempt.

    Returns the ids of the runs queued again. Safe to run concurrently: each run is claimed with a
    conditional UPDATE on its attempt number, so two reapers never queue one run twice.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SYNC_ABANDON_AFTER_SECONDS)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    resumed = []
    for run in SyncRun.objects.filter(silent, status=SyncRun.Status.RUNNING).only(
            "pk", "status", "integration_id", "attempt", "stalls", "started_at"):
        if _run_reap(run=run, now=now):
            resumed.append(run.pk)
    for run in leased_queued_runs(now=now):
        if _run_reap(run=run, now=now):
            resumed.append(run.pk)
    return resumed


def leased_queued_runs(*, now: datetime) -> list[SyncRun]:
    """QUEUED runs holding a lease nobody renewed for SYNC_ABANDON_AFTER_SECONDS: a worker died after taking
    the lease and before marking the run RUNNING, or after handing the run back and before freeing the lease.
    Left alone, such a run would wait in QUEUED for a message the filesystem broker already dropped."""
    from syncs.locks import lease_ttl

    renewed_before = now - timedelta(seconds=settings.SYNC_ABANDON_AFTER_SECONDS) + lease_ttl()
    held = IntegrationLock.objects.filter(expires_at__lt=renewed_before, run__isnull=False).values("run_id")
    return list(SyncRun.objects.filter(status=SyncRun.Status.QUEUED, pk__in=held).only(
        "pk", "status", "integration_id", "attempt", "stalls", "started_at"))


@transaction.atomic
def _run_reap(*, run: SyncRun, now: datetime) -> bool:
    run_id, integration_id, attempt = run.pk, run.integration_id, run.attempt
    # Did this attempt save a page? Cursors are saved with every page's checkpoint.
    progressed = run.started_at is not None and Cursor.objects.filter(
        integration_id=integration_id, updated_at__gte=run.started_at).exists()
    stalls = 0 if progressed else run.stalls + 1
    claimed = SyncRun.objects.filter(pk=run_id, status=run.status, attempt=attempt).update(
        status=SyncRun.Status.ABANDONED, attempt=attempt + 1, heartbeat_at=None, stalls=stalls)
    if not claimed:
        return False  # it beat again, finished, or another reaper took it
    IntegrationLock.objects.filter(integration_id=integration_id, run_id=run_id).delete()
    if stalls >= settings.SYNC_MAX_STALLED_ATTEMPTS:
        # A run that kills its worker every time (out of memory on one page, say) is not resumed forever.
        from syncs.errors import RunAbandoned, run_outcome_save

        run_outcome_save(run_id=run_id, status=SyncRun.Status.FAILED, error=RunAbandoned(
            f"The worker running this sync stopped {stalls} times in a row before it could save a page; it is "
            "not resumed again. The next scheduled run starts from the last saved page."), finished_at=now)
        run_finished(run_id=run_id, integration_id=integration_id, status=SyncRun.Status.FAILED)
        logger.error("Run %s stalled %s times in a row; given up.", run_id, stalls)
        return False
    from syncs.tasks import sync_run_task

    logger.warning("Run %s lost its worker (no heartbeat for %ss); resuming as attempt %s.", run_id,
                   settings.SYNC_ABANDON_AFTER_SECONDS, attempt + 1)
    transaction.on_commit(lambda: sync_run_task.apply_async(args=[run_id], kwargs={"attempt": attempt + 1}))
    return True

