"""The engine over real HTTP: a small Visma customers → Visma suppliers flow against the Visma sandbox
(customers_to_suppliers.py). A load writes every record once, a resync of the unchanged nothing, a delta only what
changed; a crash mid-page resumes at that page; a dry run writes nothing; a record dated in the future stops no
later delta. Holds and replays: test_engine_holds_and_replays.py; other writers at work: test_engine_contention.py."""
import pytest

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Cursor, IdMap, SyncRun
from tests.syncs.customers_to_suppliers import CUSTOMERS, customers, map_classes, run, suppliers, writes
from tests.syncs.customers_to_suppliers import integration, visma  # noqa: F401  (fixtures)
from tests.syncs.flow_under_test import CustomersToSuppliers, SimulatedCrash


def test_initial_load_creates_every_record_once(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert (result.read, result.created, result.updated, result.held, result.failed) == (CUSTOMERS, CUSTOMERS, 0, 0, 0)
    assert len(suppliers(visma)) == CUSTOMERS
    assert IdMap.objects.filter(integration=integration).count() == CUSTOMERS
    assert AuditRecord.objects.filter(run=result, action=AuditRecord.Action.CREATE).count() == CUSTOMERS
    assert result.http_calls > 0


def test_an_unchanged_resync_makes_zero_writes(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    Cursor.objects.filter(integration=integration).update(value={})  # force a full re-read
    started = sandbox.app.clock.now()

    result = run(integration)

    assert result.unchanged == CUSTOMERS and result.created == result.updated == 0
    assert writes(sandbox, since=started) == []  # asserted from the sandbox's own request log
    assert AuditRecord.objects.filter(run=result, action=AuditRecord.Action.SKIP).count() == CUSTOMERS


def test_a_delta_reads_only_what_changed(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    changed = customers(visma)[3]["number"]
    sandbox.app.clock.advance(60)
    visma.modify("customer", changed, name="Renamed Customer AS")

    result = run(integration)

    assert result.read < CUSTOMERS
    assert result.updated == 1 and result.created == 0
    target = IdMap.objects.get(integration=integration, source_id=changed).target_id
    assert visma.record("supplier", target)["name"] == "Renamed Customer AS"
    delta_gets = [e for e in sandbox.app.log.filter(vendor="visma", method="GET", path_contains="/v1/customer")
                  if "lastModifiedDateTime" in e.query]
    assert delta_gets and delta_gets[-1].query["lastModifiedDateTimeCondition"] == [">="]


def test_a_crash_mid_page_resumes_from_the_last_page_without_duplicates(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    CustomersToSuppliers.crash_after_writes = 7  # pages 1 (5 writes) done, crash inside page 2

    with pytest.raises(SimulatedCrash):
        run(integration)
    first = SyncRun.objects.get(integration=integration)
    assert first.status == SyncRun.Status.FAILED and "SimulatedCrash" in first.error
    assert Cursor.objects.get(integration=integration).value["page"] == 2  # page 1 checkpointed, page 2 not
    assert len(suppliers(visma)) == 7

    CustomersToSuppliers.crash_after_writes = None
    sandbox.app.log.clear()
    resumed = run(integration)

    assert resumed.status == SyncRun.Status.SUCCEEDED
    pages = [int(e.query["pageNumber"][0]) for e in sandbox.app.log.filter(vendor="visma", method="GET",
                                                                          path_contains="/v1/customer")]
    assert pages[0] == 2  # resumed at the page it stopped on, not from scratch
    assert resumed.unchanged == 2 and resumed.created == CUSTOMERS - 7  # page 2's first two were already written
    assert len(suppliers(visma)) == CUSTOMERS  # no duplicates


def test_a_dry_run_writes_nothing(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")

    preview = sync_run_execute(run=sync_run_create(integration=integration, dry_run=True))

    assert preview.read == CUSTOMERS and writes(sandbox) == []
    assert AuditRecord.objects.filter(run=preview, outcome=AuditRecord.Outcome.DRY_RUN).count() == CUSTOMERS
    assert not Cursor.objects.filter(integration=integration).exclude(value={}).exists()


def test_a_visma_record_dated_in_the_future_does_not_stop_later_deltas(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    table = visma.data.tables["customers"]
    odd, other = customers(visma)[0]["number"], customers(visma)[1]["number"]
    table.put({**table.get(odd), "lastModifiedDateTime": "2999-01-01T00:00:00.000", "name": "Future AS"})
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    since = Cursor.objects.get(integration=integration).value["since"]
    assert since[:4] != "2999"

    sandbox.app.clock.advance(60)
    visma.modify("customer", other, name="Changed Later AS")
    delta = run(integration)

    target = IdMap.objects.get(integration=integration, source_id=other).target_id
    assert visma.record("supplier", target)["name"] == "Changed Later AS" and delta.updated >= 1
