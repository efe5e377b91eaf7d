"""kill -9 of a real worker posting Visma journal transactions, a destination with no natural key: nothing
but the `MLC…` reference on its lines tells a second posting from the first. The worker is killed at random
moments and the instant Visma booked a posting (between Visma's answer and our commit), and some postings
are booked but never answered; the reaper resumes the run by itself. The sandbox must then show exactly one
journal transaction per worker, each with its amount.
"""
import random

import pytest

from syncs.services import integration_create
from tests.chaos.journal_flow import KIND, posting_amount, posting_description
from tests.support.chaos import DEAD_WORKER_ENV, chaos_run, integration_setup
from tests.support.tally import JOURNAL_PATH, journal_tally
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
KILLS = 5
WORKERS = 200
PAGE_SIZE = 25


@pytest.fixture(scope="module")
def outcome(committed_db, sandbox_server, dead_worker_settings):
    app = sandbox_server.app
    rippling_visma = integration_setup(sandbox_server, workers=WORKERS, page_size=PAGE_SIZE, slug="journal-chaos")
    integration = integration_create(tenant=rippling_visma.tenant, name="Postings", flow_kind=KIND,
                                     source=rippling_visma.source, destination=rippling_visma.destination,
                                     options={"page_size": PAGE_SIZE})
    # Two postings booked and never answered (the client gives up after 1 s): unknown outcomes the engine
    # must look up by reference, after the journal stream's declared wait, instead of posting them again.
    app["visma"].faults.configure({"hang_after_next": 2, "hang_seconds": 2})
    worker = WorkerProcess(queue="celery", include=("tests.chaos.journal_flow",),
                           extra_env={**DEAD_WORKER_ENV, "VENDOR_HTTP_TIMEOUT": "1"})
    journals = app["visma"].data.tables["journal_transactions"]
    try:
        result = chaos_run(app=app, integration=integration, worker=worker, kills=KILLS, rng=random.Random(11),
                           records=WORKERS, timeout=150, log=print, write_path=JOURNAL_PATH,
                           written=lambda: len(journals))
        workers = app["rippling"].data["workers"].rows.values()
        tally = journal_tally(app, {posting_description(w): posting_amount(w) for w in workers})
        yield result, tally, dict(app["visma"].faults.injected)
    finally:
        worker.close()


def test_the_worker_was_killed_five_times_also_between_vismas_answer_and_our_commit(outcome):
    result, _, injected = outcome
    assert len(result.kills) >= 5, result.kills
    assert sum(kill.mode == "answered" for kill in result.kills) >= 2
    assert result.kills[-1].at_employee > WORKERS / 2  # spread over the run
    assert injected.get("hang_after") == 2, injected  # booked, never answered
    assert result.run_status in ("succeeded", "partial"), result


def test_every_worker_is_exactly_one_journal_transaction_with_its_amount(outcome):
    _, tally, _ = outcome
    assert (tally.records, tally.duplicated, tally.lost, tally.stale) == (WORKERS, 0, 0, 0), tally.examples[:10]


def test_the_run_was_resumed_by_the_reaper_without_anyone_touching_the_lease(outcome):
    result, _, _ = outcome
    assert not result.lease_touched and result.resumed_by.count("reaper") == len(result.kills)
