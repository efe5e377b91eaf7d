"""A real Celery worker SIGKILLed mid-run: its run resumes on its own, on the broker configured (CI: Redis;
embedded default: the filesystem broker, which loses the killed worker's message)."""
import time
import uuid

import pytest

from syncs.engine import sync_run_create
from syncs.models import Cursor, IdMap, SyncRun
from syncs.tasks import sync_run_task
from tests.e2e.test_rippling_visma import employees, map_all_departments, workers
from tests.support.worker import celery_worker, wait_for, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The production defaults (15 s beats, abandoned after 60 s, reaped every 30 s) scaled down for a quick test.
LIVENESS = {"SYNC_HEARTBEAT_SECONDS": "0.5", "SYNC_LEASE_TTL_SECONDS": "6", "SYNC_ABANDON_AFTER_SECONDS": "3",
            "SYNC_REAP_EVERY_SECONDS": "1"}


def test_a_killed_workers_run_resumes_by_itself(integration, rippling, visma):
    rippling.seed(workers=16, departments=3)
    map_all_departments(integration, rippling)
    visma.faults.slow_seconds = 0.15  # a run of a few seconds, so the kill lands mid-run
    run = sync_run_create(integration=integration)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**LIVENESS, "CELERY_TASK_DEFAULT_QUEUE": queue}  # the reaper's resumption goes to this queue too

    doomed = worker_start(queue=queue, extra_env=env)
    try:
        sync_run_task.apply_async(args=[run.pk], queue=queue)
        wait_for(lambda: Cursor.objects.filter(integration=integration, stream="employees").exclude(value={}).exists(),
                 timeout=60, message="the first page of employees to be checkpointed")
        doomed.kill()  # SIGKILL: no warm shutdown, no ack, no cleanup
        doomed.wait(timeout=10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    killed_at = time.monotonic()
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING

    with celery_worker(queue=queue, extra_env=env, beat=True):
        def finished():
            return SyncRun.objects.exclude(status__in=[SyncRun.Status.RUNNING, SyncRun.Status.ABANDONED]).filter(
                pk=run.pk).first()

        done = wait_for(finished, timeout=120, interval=0.5, message="the killed run to resume and finish")
    resumed_within = time.monotonic() - killed_at

    assert done.status == SyncRun.Status.SUCCEEDED, done.error
    assert done.attempt == 2 and resumed_within < 120
    assert SyncRun.objects.filter(integration=integration).count() == 1  # resumed, not replaced by a new run
    people = workers(rippling)
    assert len(employees(visma)) == len(people) == 16
    assert IdMap.objects.filter(integration=integration, stream="employees").count() == len(people)
    print(f"killed run finished {resumed_within:.1f}s after the SIGKILL")
