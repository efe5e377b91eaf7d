"""The crash windows engine v2 closes (issue #9), each over real HTTP against the Visma sandbox:

* a destination that applies writes late is not searched for a timed-out create too soon (the stream's
  `reconcile_after_seconds`): the write waits, the run goes on, the lookup finds it later;
* a worker killed between taking the lease and marking its run RUNNING leaves a QUEUED run the reaper resumes;
* the lease is checked inside the settle transaction: a lost lease rolls the settle back;
* a `sent` intent whose record is never planned again is swept: reconciled by its key, then settled.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows import FlowSpec, register_flow
from syncs.flows.visma_journal import journal_reference
from syncs.locks import LeaseLost, lock_acquire
from syncs.models import IdMap, IntegrationLock, SyncRun, WriteIntent
from syncs.reaper import abandoned_runs_resume
from syncs.sweeper import intents_sweep
from tests.syncs import ledger_flows
from tests.syncs.ledger_flows import PayRunJournal, PayRuns
from tests.syncs.test_write_intents import (  # noqa: F401 (visma is a fixture)
    PAY_RUNS, integration_of, journal_posts, journals, run, visma)

EAGER_KIND = "test_pay_runs_to_eager_journal"  # flow_kind holds 40 characters
S = WriteIntent.State


class EagerPayRunJournal(PayRunJournal):
    """Visma journals searched as soon as a posting timed out, as every stream was before streams declared it."""

    reconcile_after_seconds = 0


def build_streams(ctx):
    return [EagerPayRunJournal(ctx)]


@pytest.fixture(autouse=True)
def flows():
    ledger_flows.register()
    register_flow(FlowSpec(EAGER_KIND, "Test: pay runs → journal searched at once", "visma", "visma",
                           ("pay_runs",), module=__name__))
    PayRuns.pay_runs, PayRuns.crash_after_answer = list(PAY_RUNS), 0
    yield
    PayRuns.crash_after_answer = 0


def by_description(visma) -> dict[str, int]:
    counts: dict[str, int] = {}
    for journal in journals(visma):
        counts[journal["description"]] = counts.get(journal["description"], 0) + 1
    return counts


# --- a timed-out create looked up too soon ----------------------------------------------------------------
def test_a_late_applied_posting_is_looked_up_only_once_due_and_never_posted_twice(visma, sandbox, tenant_a,
                                                                                  make_sandbox_connection,
                                                                                  settings):
    # The posting times out well before Visma applies it (after 1.2 s), which is before the journal stream's
    # declared wait (VismaJournalStream.reconcile_after_seconds) is over.
    settings.VENDOR_HTTP_TIMEOUT = 0.5
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    visma.faults.apply_later_next(1, seconds=1.2)

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert visma.faults.injected.get("apply_later") == 1
    assert by_description(visma) == {f"Pay run {p['id']}": 1 for p in PAY_RUNS}  # one posting each
    assert len(journal_posts(sandbox)) == len(PAY_RUNS)  # the late one was found, not posted again
    assert set(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True)) == {S.CONFIRMED}
    assert AuditRecord.objects.filter(run=result, reason__startswith="found at the destination").count() == 1


def test_a_record_planned_again_right_after_its_posting_timed_out_waits_for_its_lookup(
        visma, sandbox, tenant_a, make_sandbox_connection, settings):
    settings.VENDOR_HTTP_TIMEOUT = 0.5
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    PayRuns.pay_runs = list(PAY_RUNS) + [PAY_RUNS[0]]  # read twice in one page: planned again in its second chunk
    visma.faults.apply_later_next(1, seconds=1.2)  # the first posting (PR-1) is booked late

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert by_description(visma) == {f"Pay run {p['id']}": 1 for p in PAY_RUNS}
    assert len(journal_posts(sandbox)) == len(PAY_RUNS)


def test_the_same_late_posting_looked_up_at_once_is_posted_twice(visma, sandbox, tenant_a, make_sandbox_connection,
                                                                 settings):
    # The control: a stream that declares no wait (as every stream did before) searches too soon.
    settings.VENDOR_HTTP_TIMEOUT = 0.5
    integration = integration_of(EAGER_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    visma.faults.apply_later_next(1, seconds=1.2)

    run(integration)
    wait_until(lambda: len(journals(visma)) > len(PAY_RUNS))

    assert max(by_description(visma).values()) == 2  # a double GL posting: why the wait is declared


def test_a_deferred_posting_left_by_a_dead_run_is_reconciled_by_the_next_run(visma, sandbox, tenant_a,
                                                                            make_sandbox_connection):
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    first = run(integration)
    intent = WriteIntent.objects.filter(integration=integration).first()
    # As if its run had died while this posting waited for its lookup: sent, unsettled, the cursor past it.
    WriteIntent.objects.filter(pk=intent.pk).update(state=S.SENT, settled_at=None, target_id="",
                                                    sent_at=timezone.now() - timedelta(seconds=5))
    IdMap.objects.filter(integration=integration, source_id=intent.source_id).delete()
    PayRuns.pay_runs = []  # nothing is read again: only the intent brings the record back

    second = run(integration)

    intent.refresh_from_db()
    assert intent.state == S.CONFIRMED and second.created == 1, (intent.state, second.error)
    assert IdMap.objects.get(integration=integration, source_id=intent.source_id).target_id == intent.target_id
    assert len(journal_posts(sandbox)) == len(PAY_RUNS) and first.created == len(PAY_RUNS)


def wait_until(predicate, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)


# --- the lease ---------------------------------------------------------------------------------------------
def test_a_queued_run_holding_a_lease_nobody_renews_is_resumed_by_the_reaper(visma, tenant_a,
                                                                            make_sandbox_connection, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.SYNC_ABANDON_AFTER_SECONDS = 60
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    dead = sync_run_create(integration=integration)
    # Its worker took the lease, then was killed before the run was marked RUNNING.
    lock_acquire(integration_id=integration.pk, run_id=dead.pk)

    assert abandoned_runs_resume(now=timezone.now() + timedelta(seconds=30)) == []  # not silent long enough
    with django_capture_on_commit_callbacks() as queued:
        resumed = abandoned_runs_resume(now=timezone.now() + timedelta(seconds=61))

    dead.refresh_from_db()
    assert resumed == [dead.pk] and dead.status == SyncRun.Status.ABANDONED and dead.attempt == 2
    assert not IntegrationLock.objects.exists() and len(queued) == 1
    assert sync_run_execute(run=dead).status == SyncRun.Status.SUCCEEDED  # the resumed attempt runs
    assert len(journals(visma)) == len(PAY_RUNS)


def test_a_lease_lost_while_the_page_was_written_rolls_its_settle_back(visma, tenant_a, make_sandbox_connection,
                                                                       monkeypatch):
    from syncs.engine import write

    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)

    def answered_then_taken_over(*, run_id):
        # While the page's postings were in flight the reaper declared this worker dead and another took over.
        IntegrationLock.objects.update(owner="another-process")

    monkeypatch.setattr(write, "run_heartbeat", answered_then_taken_over)  # the writer's beat while it waits

    result = run(integration)

    assert result.status == SyncRun.Status.RUNNING  # its outcome belongs to the new owner
    # Nothing of the page settled by the process that lost the lease: the new owner reconciles it all.
    assert set(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True)) == {S.SENT}
    assert not IdMap.objects.filter(integration=integration).exists()
    assert not AuditRecord.objects.filter(run=result).exists()


def test_lease_renew_raises_lease_lost_inside_a_transaction(visma, tenant_a, make_sandbox_connection):
    from django.db import transaction

    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    lease = lock_acquire(integration_id=integration.pk)
    IntegrationLock.objects.update(owner="another-process")
    with pytest.raises(LeaseLost), transaction.atomic():
        lease.renew()


# --- the sweeper -------------------------------------------------------------------------------------------
def test_sent_intents_no_page_brings_back_are_swept_reconciled_and_settled(visma, sandbox, tenant_a,
                                                                          make_sandbox_connection, settings,
                                                                          eager_tasks,
                                                                          django_capture_on_commit_callbacks):
    settings.SYNC_SWEEP_SENT_AFTER_SECONDS = 60
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    run(integration)
    posted, lost = WriteIntent.objects.filter(integration=integration).order_by("source_id")[:2]
    # Two writes whose run died after sending, never planned again: one reached Visma, one did not.
    visma.data.tables["journal_transactions"].replace(
        [j for j in journals(visma) if j["journalTransactionLines"][0]["referenceNumber"]
         != journal_reference(lost.key)])
    old = timezone.now() - timedelta(seconds=120)
    WriteIntent.objects.filter(pk__in=[posted.pk, lost.pk]).update(state=S.SENT, settled_at=None, sent_at=old,
                                                                 target_id="")
    IdMap.objects.filter(integration=integration, source_id__in=[posted.source_id, lost.source_id]).delete()
    posts = len(journal_posts(sandbox))

    with django_capture_on_commit_callbacks(execute=True):
        swept = intents_sweep()

    assert len(swept) == 1
    posted.refresh_from_db()
    lost.refresh_from_db()
    assert (posted.state, lost.state) == (S.CONFIRMED, S.CONFIRMED)
    assert len(journal_posts(sandbox)) == posts + 1  # only the absent one was posted, once
    assert by_description(visma) == {f"Pay run {p['id']}": 1 for p in PAY_RUNS}
    assert set(IdMap.objects.filter(integration=integration).values_list("source_id", flat=True)) >= {
        posted.source_id, lost.source_id}
    assert intents_sweep() == []  # nothing left


def test_the_sweeper_leaves_an_integration_with_a_run_under_way_alone(visma, tenant_a, make_sandbox_connection,
                                                                      settings):
    settings.SYNC_SWEEP_SENT_AFTER_SECONDS = 60
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    run(integration)
    WriteIntent.objects.filter(integration=integration).update(state=S.SENT,
                                                               sent_at=timezone.now() - timedelta(seconds=120))
    sync_run_create(integration=integration)  # queued: it will reconcile them itself

    assert intents_sweep() == []
