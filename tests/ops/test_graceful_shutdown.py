"""A real worker stopped with SIGTERM mid-run settles its page, hands the run back, and exits; the next worker
resumes the run from its cursor (same attempt, every record once)."""
import signal
import uuid

import pytest

from syncs.engine import sync_run_create
from syncs.models import Cursor, IdMap, SyncRun
from syncs.tasks import sync_run_task
from tests.e2e.test_rippling_visma import employees, map_all_departments, workers
from tests.support.worker import celery_worker, wait_for, worker_log, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("pool", ["solo", "threads", "prefork"])
def test_a_stopped_worker_hands_its_run_back_after_a_saved_page(integration, rippling, visma, pool):
    rippling.seed(workers=16, departments=3)
    map_all_departments(integration, rippling)
    visma.faults.slow_seconds = 0.15  # a run of several seconds, so the SIGTERM lands mid-run
    run = sync_run_create(integration=integration)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {"CELERY_TASK_DEFAULT_QUEUE": queue}  # the handed-back run is queued here

    # SIGTERM to the main process only (as a supervisor sends it): with prefork the run is in a child process.
    stopping = worker_start(queue=queue, extra_env=env, pool=pool)
    try:
        sync_run_task.apply_async(args=[run.pk], queue=queue)
        wait_for(lambda: Cursor.objects.filter(integration=integration, stream="employees").exclude(value={}).exists(),
                 timeout=60, message="the first page of employees to be checkpointed")
        stopping.send_signal(signal.SIGTERM)
        assert stopping.wait(timeout=30) == 0
    finally:
        if stopping.poll() is None:
            stopping.kill()
    log = worker_log(queue).read_text()
    handed_back = SyncRun.objects.get(pk=run.pk)
    assert handed_back.status == SyncRun.Status.QUEUED, log[-3000:]
    assert "handed back at worker shutdown" in log
    written = len(employees(visma))
    assert 0 < written < 16  # stopped after a page, not at the end of the run
    assert IdMap.objects.filter(integration=integration, stream="employees").count() == written  # settled

    with celery_worker(queue=queue, extra_env=env):
        done = wait_for(lambda: SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).first(),
                        timeout=60, interval=0.3, message="the handed-back run to finish on the next worker")
    assert done.attempt == 1  # the same attempt carried on: nothing was abandoned
    assert len(employees(visma)) == len(workers(rippling)) == 16
    assert IdMap.objects.filter(integration=integration, stream="employees").count() == 16
