"""A real worker syncs Rippling → Visma while the sandboxes misbehave: 429 storms, 5 % of calls failing with a
5xx (half before Visma applied the write, half after), writes applied and then never answered. The runs
complete and every worker is accounted for: exactly one Visma employee each, none created twice."""
import time

import pytest

from tests.support.chaos import integration_setup, run_queue, runs_until_finished
from tests.support.tally import employees_tally
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WORKERS = 200


def synced_under_faults(sandbox, faults: dict, *, deadline: float, workers: int = WORKERS) -> tuple:
    integration = integration_setup(sandbox, workers=workers)
    for vendor, spec in faults.items():
        sandbox.app[vendor].faults.configure(spec)
    # A short client timeout, so a write that is never answered costs seconds, not the default 30.
    worker = WorkerProcess(queue="celery", extra_env={"VENDOR_HTTP_TIMEOUT": "2"}).start()
    try:
        run = run_queue(integration)
        status = runs_until_finished(integration_id=integration.pk, run_id=run.pk,
                                     deadline=time.monotonic() + deadline)
    finally:
        worker.close()
    injected = {vendor: dict(sandbox.app[vendor].faults.injected) for vendor in faults}
    return status, employees_tally(sandbox.app), injected


def test_a_run_through_429_storms_completes_with_every_worker_once(sandbox):
    # 100 workers keep the chaos suite near its 2 minutes; the queued storm makes sure one happens whatever
    # the ratio rolls.
    storms = {"storm_ratio": 0.02, "storm_length": 3, "storm_retry_after": 1}
    faults = {"rippling": storms, "visma": {**storms, "storm_next": {"count": 3, "retry_after": 1}}}

    status, tally, injected = synced_under_faults(sandbox, faults, deadline=90, workers=100)

    assert injected["visma"].get("storm", 0) >= 3, injected  # the storms did happen
    assert status == "succeeded"
    assert tally.clean and tally.refused == 0, (tally.line(), tally.examples[:5])


def test_a_run_through_5xx_unanswered_writes_and_storms_accounts_for_every_worker(sandbox):
    # The queue forms make sure each kind happens at least once, whatever the ratios roll.
    faults = {"visma": {"error_ratio": 0.025, "error_after_ratio": 0.025, "hang_after_ratio": 0.01,
                        "hang_seconds": 3, "storm_ratio": 0.01, "storm_length": 3,
                        "error_after_next": 1, "hang_after_next": 1},
              "rippling": {"error_ratio": 0.05}}

    status, tally, injected = synced_under_faults(sandbox, faults, deadline=30, workers=100)

    assert injected["visma"].get("error_after") and injected["visma"].get("hang_after"), injected
    assert status in ("succeeded", "partial")
    assert tally.lost == 0 and tally.duplicated == 0, (tally.line(), tally.examples[:5])
