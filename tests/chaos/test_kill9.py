"""kill -9 of a real worker while it syncs ~1,000 Rippling workers into Visma, at random moments and the
instant Visma applied a create (between the vendor's answer and our commit); the worker is started again
and the run finishes. The sandbox then says whether any employee was created twice, lost or left stale.
"""
import random

import pytest

from tests.support.chaos import DEAD_WORKER_ENV, chaos_trial, integration_setup
from tests.support.worker import WorkerProcess

# django_db: so the test database is set up; every test only reads what the module fixture measured.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
KILLS = 5
WORKERS = 1000
PAGE_SIZE = 50


@pytest.fixture(scope="module")
def outcome(committed_db, sandbox_server, dead_worker_settings):
    integration = integration_setup(sandbox_server, workers=WORKERS, page_size=PAGE_SIZE)
    worker = WorkerProcess(queue="celery", extra_env={**DEAD_WORKER_ENV, "VENDOR_HTTP_TIMEOUT": "5"})
    try:
        result, tally, changes = chaos_trial(app=sandbox_server.app, integration=integration, worker=worker,
                                             kills=KILLS, rng=random.Random(9), records=WORKERS, timeout=300,
                                             log=print)
        yield result, tally, changes.done
    finally:
        worker.close()


def test_the_worker_was_killed_at_least_five_times_also_between_answer_and_commit(outcome):
    result, _, _ = outcome
    assert len(result.kills) >= 5, result.kills
    assert result.kills[-1].at_employee > WORKERS / 2  # spread over the run, not bunched at its start
    assert any(kill.mode == "answered" for kill in result.kills)
    assert result.run_status in ("succeeded", "partial"), result


def test_every_worker_is_exactly_one_visma_employee(outcome):
    _, tally, _ = outcome
    assert tally.lost == 0, tally.examples[:10]
    assert tally.duplicated - tally.refused == 0  # Visma refuses a second employee number, so never more


def test_no_create_was_refused_as_a_duplicate(outcome):
    # A create Visma applied but whose 201 the killed worker never committed must be looked up (reconciled
    # by its employee number) on resume, never POSTed again: Visma would refuse it as 'already exists'.
    _, tally, _ = outcome
    assert tally.refused == 0, f"{tally.refused} creates refused as duplicates: the engine resent without looking"


def test_every_change_is_applied(outcome):
    # Workers changed behind the full sync's committed position, then later ones: a watermark taken from the
    # newest updated_at seen would skip the first changes for good.
    _, tally, changed = outcome
    assert changed == ["first", "last"]
    assert tally.stale == 0, tally.examples[:10]


def test_the_run_was_resumed_without_anyone_touching_the_lease(outcome):
    # The reaper (beat's syncs.tasks.runs_reap, called here as beat would) resumes each killed run by itself.
    result, _, _ = outcome
    assert not result.lease_touched, result.resumed_by
