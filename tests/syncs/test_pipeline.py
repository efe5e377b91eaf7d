"""Pipelined pages: page N+1's writes go out before page N settles, pages settle in order, and a page's
cursor moves only once all its intents are settled — against the Visma sandbox's journal transactions
(no natural key: a write sent twice would be a second posting)."""
import threading

import pytest

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows import FlowSpec, register_flow
from syncs.flows.base import Page
from syncs.models import Cursor, IdMap, SyncRun, WriteIntent
from syncs.services import integration_create
from tests.syncs.ledger_flows import PayRunJournal, SimulatedCrash

KIND = "test_paged_pay_runs_to_journal"


def pay_run(n: int, gross: float | None = None) -> dict:
    return {"id": f"PR-{n}", "date": "2026-11-25", "gross": gross if gross is not None else 1000.0 + n}


class PagedPayRuns(PayRunJournal):
    """Pay runs in pages the test sets; `before_write(intent)` runs on the write thread before each call,
    `after_write(intent)` after Visma answered."""

    pages: list[list[dict]] = []
    before_write = staticmethod(lambda intent: None)
    after_write = staticmethod(lambda intent: None)

    def fetch(self, cursor):
        start = int((cursor or {}).get("page", 0))
        for number, records in enumerate(type(self).pages[start:], start + 1):
            yield Page(list(records), {"page": number})

    def write_intent(self, intent):
        type(self).before_write(intent)
        target = super().write_intent(intent)
        type(self).after_write(intent)
        return target


def build_streams(ctx):
    return [PagedPayRuns(ctx)]


@pytest.fixture(autouse=True)
def flow():
    register_flow(FlowSpec(KIND, "Test: paged pay runs → Visma journal", "visma", "visma", ("pay_runs",),
                           module=__name__))
    yield
    PagedPayRuns.pages = []
    PagedPayRuns.before_write = PagedPayRuns.after_write = staticmethod(lambda intent: None)


@pytest.fixture
def integration(tenant_a, make_sandbox_connection):  # `visma` (tests/conftest.py): an empty Visma company
    return integration_create(tenant=tenant_a, name="paged", flow_kind=KIND, options={"writes_in_flight": 4},
                              source=make_sandbox_connection("visma", tenant=tenant_a, name="Source"),
                              destination=make_sandbox_connection("visma", tenant=tenant_a, name="Destination"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def wait_for(started: threading.Event, what: str) -> None:
    if not started.wait(10):
        raise AssertionError(f"{what} never started while the page before it was unsettled")


def journal_posts(sandbox):
    return sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction")


def test_it_sends_the_next_pages_writes_before_this_page_settles(visma, sandbox, integration):
    PagedPayRuns.pages = [[pay_run(1), pay_run(2)], [pay_run(3), pay_run(4)]]
    page_two_started = threading.Event()

    def before_write(intent):
        if intent.source_id == "PR-3":
            page_two_started.set()
        if intent.source_id == "PR-2":  # page 1 cannot finish until page 2's writes are out
            wait_for(page_two_started, "page 2's first write")
    PagedPayRuns.before_write = staticmethod(before_write)

    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert (finished.read, finished.created) == (4, 4)  # counts booked per page, each written once
    assert len(journal_posts(sandbox)) == 4
    assert Cursor.objects.get(integration=integration, stream="pay_runs").value == {"page": 2}
    assert set(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True)) == {"confirmed"}
    audits = AuditRecord.objects.filter(run=finished)
    assert sorted(audits.values_list("source_ref", flat=True)) == ["PR-1", "PR-2", "PR-3", "PR-4"]
    assert set(audits.values_list("action", flat=True)) == {AuditRecord.Action.CREATE}


def test_a_page_that_cannot_settle_keeps_the_cursor_back_and_the_page_behind_it_settles(visma, sandbox, integration):
    PagedPayRuns.pages = [[pay_run(1), pay_run(2)], [pay_run(3), pay_run(4)], [pay_run(5)]]
    page_two_started = threading.Event()

    def before_write(intent):
        if intent.source_id == "PR-3":
            page_two_started.set()
        if intent.source_id == "PR-2":
            wait_for(page_two_started, "page 2's first write")

    def after_write(intent):  # the worker dies after Visma posted PR-2, before our commit
        if intent.source_id == "PR-2":
            raise SimulatedCrash("worker died after the destination answered")
    PagedPayRuns.before_write, PagedPayRuns.after_write = staticmethod(before_write), staticmethod(after_write)

    with pytest.raises(SimulatedCrash):
        run(integration)

    assert Cursor.objects.get(integration=integration, stream="pay_runs").value in (None, {})  # page 1 unsettled
    states = dict(WriteIntent.objects.filter(integration=integration).values_list("source_id", "state"))
    assert states["PR-2"] == WriteIntent.State.SENT  # unknown outcome: reconciled by the next attempt
    assert states["PR-3"] == WriteIntent.State.CONFIRMED  # page 2's answered write was settled, cursor or not
    assert "PR-5" not in states  # nothing planned past the page that stopped the run
    assert IdMap.objects.filter(integration=integration, source_id="PR-3").exists()

    PagedPayRuns.before_write = PagedPayRuns.after_write = staticmethod(lambda intent: None)
    rerun = run(integration)

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    assert len(journal_posts(sandbox)) == 5  # PR-2 was found by its reference, not posted again
    assert len(list(visma.data.tables["journal_transactions"].ordered()[0])) == 5
    assert Cursor.objects.get(integration=integration, stream="pay_runs").value == {"page": 3}


def test_a_record_in_two_pages_is_planned_after_its_first_write_settled(visma, sandbox, integration):
    PagedPayRuns.pages = [[pay_run(1), pay_run(2)], [pay_run(1, gross=2000.0), pay_run(3)]]

    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert (finished.created, finished.updated) == (3, 1)
    assert len(journal_posts(sandbox)) == 3
    # The second version updated the first one's posting from the id map: no lookup was needed.
    assert not sandbox.app.log.filter(vendor="visma", method="GET", path_contains="journaltransaction")
    assert len(sandbox.app.log.filter(vendor="visma", method="PUT", path_contains="journaltransaction")) == 1
