"""Write-ahead intents against destinations without a natural key: a crash between the destination's
answer and our commit, then a rerun, writes exactly once — because the rerun looks first."""
import pytest

from audit.models import AuditRecord

from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.visma_journal import journal_reference
from syncs.models import IdMap, PendingRecord, SyncRun, WriteIntent
from syncs.services import integration_create, records_replay, write_intent_resolve
from tests.syncs import append_server, ledger_flows
from tests.syncs.ledger_flows import PayRunRows, PayRuns, SimulatedCrash

PAY_RUNS = [{"id": f"PR-{n}", "date": "2026-11-25", "gross": 1000.0 + n} for n in range(1, 8)]


@pytest.fixture(autouse=True)
def flows():
    ledger_flows.register()
    PayRuns.pay_runs, PayRuns.crash_after_answer = list(PAY_RUNS), 0
    yield
    PayRuns.crash_after_answer = 0


@pytest.fixture(scope="module")
def append_destination():
    ledger, running = append_server.start()
    yield ledger, running.url
    running.stop()


@pytest.fixture
def ledger(append_destination):
    ledger, url = append_destination
    ledger.reset()
    PayRunRows.url = url
    return ledger


@pytest.fixture
def visma(sandbox):
    vendor = sandbox.app["visma"]
    vendor.seed(customers=0, suppliers=0, employees=0, supplier_invoices=0, customer_invoices=0,
                purchase_orders=0, payments=0, journal_transactions=0)
    return vendor


def integration_of(kind, tenant, make_sandbox_connection, **options):
    return integration_create(tenant=tenant, name=kind, flow_kind=kind, options=options,
                              source=make_sandbox_connection("visma", tenant=tenant, name="Source"),
                              destination=make_sandbox_connection("visma", tenant=tenant, name="Destination"))


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def journals(visma):
    return list(visma.data.tables["journal_transactions"].ordered()[0])


def journal_posts(sandbox):
    return [e for e in sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction")]


def test_a_crash_after_visma_answered_posts_each_journal_once(visma, sandbox, tenant_a, make_sandbox_connection):
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection)
    PayRuns.crash_after_answer = 2  # two postings reach Visma, and the worker dies before our commit

    with pytest.raises(SimulatedCrash):
        run(integration)
    first = SyncRun.objects.get(integration=integration)
    states = list(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True))
    assert states.count(WriteIntent.State.SENT) == 2  # the crash left two outcomes we do not know (both posted)
    assert len(journals(visma)) == states.count(WriteIntent.State.SENT) + states.count(WriteIntent.State.CONFIRMED)
    assert states.count(WriteIntent.State.PENDING) == len(PAY_RUNS) - len(journals(visma))  # queued, never started

    rerun = run(integration)

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    assert len(journals(visma)) == len(PAY_RUNS)  # one journal transaction per pay run, no double posting
    assert len(journal_posts(sandbox)) == len(PAY_RUNS)  # nothing posted twice, and no refused duplicate
    assert all(e.status == 201 for e in journal_posts(sandbox))
    assert first.created + rerun.created == len(PAY_RUNS)
    reconciled = AuditRecord.objects.filter(run=rerun, reason__startswith="found at the destination by reconciliation")
    assert reconciled.count() == 2
    by_reference = {}
    for journal in journals(visma):
        by_reference.setdefault(journal["journalTransactionLines"][0]["referenceNumber"], []).append(journal)
    assert all(len(found) == 1 for found in by_reference.values())
    intents = WriteIntent.objects.filter(integration=integration)
    assert set(intents.values_list("state", flat=True)) == {WriteIntent.State.CONFIRMED}
    for intent in intents:
        target = IdMap.objects.get(integration=integration, source_id=intent.source_id).target_id
        assert by_reference[journal_reference(intent.key)][0]["batchNumber"] == target == intent.target_id

    again = run(integration)
    assert again.unchanged == len(PAY_RUNS) and len(journal_posts(sandbox)) == len(PAY_RUNS)


def test_a_5xx_on_a_posting_is_looked_up_and_settled_within_the_run(visma, sandbox, tenant_a,
                                                                     make_sandbox_connection):
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    visma.faults.fail_next(1, status=503)  # the first posting gets a 503: did Visma book it? Unknown.

    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error  # the run went on; no Celery retry needed
    assert len(journals(visma)) == len(PAY_RUNS)
    posts = journal_posts(sandbox)
    assert [e.status for e in posts].count(503) == 1 and len(posts) == len(PAY_RUNS) + 1
    lookups = sandbox.app.log.filter(vendor="visma", method="GET", path_contains="journaltransaction")
    assert lookups  # the unknown posting was searched for by its reference before it was posted again
    assert set(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True)) == {
        WriteIntent.State.CONFIRMED}


def test_a_5xx_applied_by_visma_is_confirmed_by_the_lookup_not_posted_again(visma, sandbox, tenant_a,
                                                                            make_sandbox_connection):
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    visma.faults.error_after_next(1, status=502)  # booked, then answered 502

    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert len(journals(visma)) == len(PAY_RUNS) == len(journal_posts(sandbox))  # nothing posted twice
    assert AuditRecord.objects.filter(run=first, reason__startswith="found at the destination").count() == 1


def test_a_destination_down_stops_the_run_with_the_rest_unsent(visma, sandbox, tenant_a, make_sandbox_connection):
    integration = integration_of(ledger_flows.JOURNAL_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    visma.faults.fail_next(20, status=503)  # every call fails: Visma is down, not having a bad minute

    with pytest.raises(Exception):
        run(integration)

    states = list(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True))
    assert states.count(WriteIntent.State.PENDING) >= len(PAY_RUNS) - 3  # the rest never started
    assert not journals(visma)
    visma.faults.configure({"clear": True})  # Visma is back
    rerun = run(integration)
    assert rerun.status == SyncRun.Status.SUCCEEDED and len(journals(visma)) == len(PAY_RUNS)


def test_an_unknown_outcome_at_an_unsearchable_destination_is_held_not_resent(visma, sandbox, tenant_a,
                                                                            make_sandbox_connection):
    integration = integration_of(ledger_flows.BLIND_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    PayRuns.crash_after_answer = 1

    with pytest.raises(SimulatedCrash):
        run(integration)
    rerun = run(integration)

    assert rerun.status == SyncRun.Status.PARTIAL
    assert len(journals(visma)) == len(PAY_RUNS)  # the crashed one was not posted a second time
    held = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.HELD)
    assert "cannot be searched" in held.reason
    assert WriteIntent.objects.get(integration=integration, source_id=held.source_id).state == WriteIntent.State.HELD
    assert run(integration).held == 1  # still held on the next run, never written twice

    # A person finds the posting in Visma and links it: confirmed, never posted again.
    intent = WriteIntent.objects.get(integration=integration, state=WriteIntent.State.HELD)
    posted = next(j for j in journals(visma) if j["description"] == f"Pay run {intent.source_id}")
    write_intent_resolve(integration=integration, intent_id=intent.pk, target_id=posted["batchNumber"])
    after = run(integration)
    assert after.status == SyncRun.Status.SUCCEEDED and after.unchanged == len(PAY_RUNS)
    assert len(journals(visma)) == len(PAY_RUNS)
    assert PendingRecord.objects.get(pk=held.pk).status == PendingRecord.Status.RESOLVED


def test_a_held_write_checked_absent_by_a_person_is_written_on_replay(visma, sandbox, tenant_a,
                                                                      make_sandbox_connection):
    integration = integration_of(ledger_flows.BLIND_KIND, tenant_a, make_sandbox_connection, writes_in_flight=1)
    PayRuns.crash_after_answer = 1
    with pytest.raises(SimulatedCrash):
        run(integration)
    run(integration)
    intent = WriteIntent.objects.get(integration=integration, state=WriteIntent.State.HELD)
    held = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.HELD)
    table = visma.data.tables["journal_transactions"]  # someone deleted it in Visma; the person checks
    table.replace([j for j in journals(visma) if j["description"] != f"Pay run {intent.source_id}"])

    write_intent_resolve(integration=integration, intent_id=intent.pk)
    replay = records_replay(integration=integration, pending_ids=[held.pk])

    assert replay.created == 1 and len(journals(visma)) == len(PAY_RUNS)


def test_a_crash_after_a_batch_arrived_appends_it_once(ledger, sandbox, tenant_a, make_sandbox_connection):
    integration = integration_of(ledger_flows.APPEND_KIND, tenant_a, make_sandbox_connection)
    PayRuns.crash_after_answer = 1  # one batch of three rows arrives, then the worker dies

    with pytest.raises(SimulatedCrash):
        run(integration)
    rerun = run(integration)

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    assert sorted(r["pay_run"] for r in ledger.rows) == sorted(p["id"] for p in PAY_RUNS)  # each row once
    assert ledger.posts == 3  # 7 rows in batches of 3: 3 + 3 + 1, none sent twice
    batches = {r["batch_id"] for r in ledger.rows}
    assert len(batches) == 3
    assert set(WriteIntent.objects.filter(integration=integration).values_list("state", flat=True)) == {
        WriteIntent.State.CONFIRMED}


def test_writes_are_concurrent_but_bounded(ledger, sandbox, tenant_a, make_sandbox_connection):
    PayRunRows.batch_size = 1
    try:
        integration = integration_of(ledger_flows.APPEND_KIND, tenant_a, make_sandbox_connection,
                                     writes_in_flight=3)
        PayRuns.pay_runs = [{"id": f"PR-{n}", "date": "2026-11-25", "gross": n} for n in range(12)]
        ledger.delay = 0.15

        result = run(integration)
    finally:
        PayRunRows.batch_size = 3

    assert result.created == 12 and ledger.posts == 12
    assert ledger.max_in_flight == 3  # in flight together, never more than asked
