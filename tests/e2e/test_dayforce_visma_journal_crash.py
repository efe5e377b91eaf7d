"""A pay run is posted once although its task is delivered twice and a real Celery worker is SIGKILLed the
instant Visma booked a journal (between Visma's answer and our commit): the second delivery takes the run
over, looks each unknown posting up by its `MLC…` reference and posts only what Visma does not have."""
from collections import Counter

import pytest

from syncs.engine import sync_run_create
from syncs.models import SyncRun, WriteIntent
from syncs.tasks import sync_run_task
from tests.e2e.test_dayforce_visma_journals import BIWEEKLY, MONTHLY, journal_integration, journals
from tests.support.kill_switch import KillSwitch
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.worker import WorkerProcess, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
JOURNAL_PATH = "/visma/v2/journaltransaction"


def test_a_pay_run_is_posted_once_when_the_task_runs_twice_and_the_worker_dies_mid_post(
        tenant_a, make_sandbox_connection, dayforce, visma, sandbox):
    integration = journal_integration(tenant_a, make_sandbox_connection, writes_in_flight=2)
    integration.streams = ["org_units", "pay_runs"]  # the cost centres the journal lines need, and the journals
    integration.save(update_fields=["streams"])
    run = sync_run_create(integration=integration)
    worker = WorkerProcess()
    switch = KillSwitch(sandbox.app, worker, write_path=JOURNAL_PATH)
    switch.arm(after_creates=1)
    try:
        worker.start()
        for _ in range(2):  # the same task delivered twice (a duplicate delivery, a redelivery after a crash)
            sync_run_task.apply_async(args=[run.pk], kwargs={"attempt": 1}, queue=worker.queue)
        assert switch.fired.wait(timeout=90), worker.log_tail()
        booked = len(journals(visma))
        unknown = WriteIntent.objects.filter(integration=integration, stream="pay_runs", state=WriteIntent.State.SENT)
        assert booked >= 1 and unknown.count() >= 1  # Visma has it; we never heard back
        assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING

        worker.start()  # the second delivery is taken by the worker that comes back
        done = wait_for(lambda: SyncRun.objects.filter(pk=run.pk).exclude(status=SyncRun.Status.RUNNING).first(),
                        timeout=120, interval=0.5, message="the run to be taken over and finished")
    finally:
        switch.close()
        worker.close()

    assert done.status == SyncRun.Status.SUCCEEDED, done.error
    posted = Counter(j["description"] for j in journals(visma))
    assert len(posted) == MONTHLY + BIWEEKLY and set(posted.values()) == {1}  # every pay run exactly once
    posts = sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction")
    assert len(posts) == MONTHLY + BIWEEKLY  # nothing posted a second time, not even refused
    assert set(WriteIntent.objects.filter(integration=integration, stream="pay_runs")
               .values_list("state", flat=True)) == {WriteIntent.State.CONFIRMED}
    references = Counter(line["referenceNumber"] for j in journals(visma) for line in j["journalTransactionLines"][:1])
    assert set(references.values()) == {1}
