"""The engine over real HTTP: a small Visma customers → Visma suppliers flow against the Visma sandbox."""
import threading

import pytest

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.locks import lock_acquire
from syncs.models import Cursor, FieldMapping, IdMap, PendingRecord, SyncRun, ValueMapping
from syncs.services import held_release, integration_create, records_replay, value_mapping_set
from tests.syncs import flow_under_test as flow
from tests.syncs.flow_under_test import CLASS_MAP, CustomersToSuppliers, SimulatedCrash

CUSTOMERS = 23  # five per page: pages of 5, 5, 5, 5, 3


@pytest.fixture
def visma(sandbox):
    vendor = sandbox.app["visma"]
    vendor.seed(customers=CUSTOMERS, suppliers=0, employees=1, supplier_invoices=0, customer_invoices=0,
                purchase_orders=0, payments=0, journal_transactions=0)
    CustomersToSuppliers.crash_after_writes = None
    CustomersToSuppliers.on_build = None
    CustomersToSuppliers.writes = 0
    yield vendor
    CustomersToSuppliers.crash_after_writes = None
    CustomersToSuppliers.on_build = None


@pytest.fixture
def integration(visma, tenant_a, make_sandbox_connection):
    source = make_sandbox_connection("visma", tenant=tenant_a, name="Visma source")
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma destination")
    return integration_create(tenant=tenant_a, name="Customers to suppliers", flow_kind=flow.KIND, source=source,
                              destination=destination)


def map_classes(integration, *classes):
    targets = {"DOM": "DOM", "EXP": "FOR"}
    for source_class in classes:
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=CLASS_MAP,
                                    source_value=source_class, target_value=targets[source_class])


def run(integration, **kwargs):
    return sync_run_execute(run=sync_run_create(integration=integration), **kwargs)


def customers(visma):
    return list(visma.data.tables["customers"].ordered()[0])


def suppliers(visma):
    return list(visma.data.tables["suppliers"].ordered()[0])


def writes(sandbox, since=0):
    """Writes to the ERP API (token requests are POSTs too, but write nothing)."""
    return [e for e in sandbox.app.log.filter(vendor="visma", writes_only=True)
            if e.at >= since and "/connect/" not in e.path]


def by_class(visma, class_id):
    return [c for c in customers(visma) if (c.get("customerClass") or {}).get("id") == class_id]


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


def test_a_missing_mapping_holds_then_releases(integration, visma, sandbox, django_capture_on_commit_callbacks,
                                               settings):
    map_classes(integration, "DOM")
    export = by_class(visma, "EXP")
    assert export, "the seed must contain export customers"

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL
    assert result.held == len(export) and result.created == CUSTOMERS - len(export)
    held = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD)
    assert {p.source_id for p in held} == {c["number"] for c in export}
    assert {p.missing_key for p in held} == {f"{CLASS_MAP}:EXP"}
    hold_audit = AuditRecord.objects.filter(run=result, action=AuditRecord.Action.HOLD).first()
    assert "No supplier class mapping for 'EXP'" in hold_audit.reason
    assert len(suppliers(visma)) == CUSTOMERS - len(export)  # never written wrong

    from mlconnector.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            value_mapping_set(integration=integration, map_name=CLASS_MAP, source_value="EXP", target_value="FOR")
    finally:
        app.conf.task_always_eager = False

    assert not PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD).exists()
    assert len(suppliers(visma)) == CUSTOMERS
    released = IdMap.objects.get(integration=integration, source_id=export[0]["number"]).target_id
    assert visma.record("supplier", released)["supplierClass"]["id"] == "FOR"
    release_run = SyncRun.objects.filter(integration=integration, trigger=SyncRun.Trigger.REPLAY).get()
    assert release_run.created == len(export)


def test_replay_of_failed_records_creates_no_duplicates(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    on_hold = customers(visma)[0]["number"]
    visma.modify("customer", on_hold, status="CreditHold")  # no such supplier status: Visma refuses it

    first = run(integration)

    assert first.failed == 1 and first.created == CUSTOMERS - 1
    failed = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.FAILED)
    assert failed.source_id == on_hold and "CreditHold" in failed.reason
    fail_audit = AuditRecord.objects.get(run=first, action=AuditRecord.Action.FAIL)
    assert "Visma.net answered 400" in fail_audit.reason

    # The customer fixes the mapping (statuses now go through a value map), then replays the run's failures.
    FieldMapping.objects.create(tenant=integration.tenant, integration=integration, stream="customers",
                                target_field="status", source_field="status", value_map="status")
    for status, supplier_status in (("Active", "Active"), ("CreditHold", "OnHold")):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name="status",
                                    source_value=status, target_value=supplier_status)
    replay = records_replay(integration=integration, from_run=first)
    again = records_replay(integration=integration, pending_ids=[failed.pk])

    assert replay.created == 1 and replay.failed == 0
    assert again.read == 0  # resolved records are not replayed twice
    assert len(suppliers(visma)) == CUSTOMERS
    assert PendingRecord.objects.get(pk=failed.pk).status == PendingRecord.Status.RESOLVED
    target = IdMap.objects.get(integration=integration, source_id=on_hold).target_id
    assert visma.record("supplier", target)["status"] == "OnHold"


def test_a_replayed_record_updates_instead_of_duplicating(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    number = customers(visma)[0]["number"]
    stored = PendingRecord.objects.create(tenant=integration.tenant, integration=integration, stream="customers",
                                          source_id=number, status=PendingRecord.Status.FAILED, reason="test",
                                          payload={**customers(visma)[0], "name": "Replayed Name AS"})

    replay = records_replay(integration=integration, pending_ids=[stored.pk])

    assert replay.updated == 1 and replay.created == 0
    assert len(suppliers(visma)) == CUSTOMERS


def test_a_429_with_retry_after_is_honoured(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    visma.faults.fail_next(1, status=429, headers={"Retry-After": "1"},
                           body={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."})

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED and result.created == CUSTOMERS
    statuses = [e.status for e in sandbox.app.log.filter(vendor="visma") if "/connect/" not in e.path]
    assert statuses[0] == 429 and statuses[1] == 200
    retried = sandbox.app.log.filter(vendor="visma")
    first_429 = next(e for e in retried if e.status == 429)
    after = next(e for e in retried if e.at > first_429.at and "/connect/" not in e.path)
    assert after.at - first_429.at >= 0.9  # waited Retry-After before the next call


def test_a_412_is_recovered_by_rereading(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    number = customers(visma)[0]["number"]
    target = IdMap.objects.get(integration=integration, source_id=number).target_id
    sandbox.app.clock.advance(60)
    visma.modify("customer", number, name="Changed At Source AS")
    raced = []

    def someone_else_edits(current):
        if not raced:  # between our GET and PUT, an ERP user saves the supplier
            raced.append(True)
            visma.modify("supplier", target, vatRegistrationId="NO999999999MVA")

    CustomersToSuppliers.on_build = staticmethod(someone_else_edits)
    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED and result.updated == 1
    puts = [e.status for e in sandbox.app.log.filter(vendor="visma", method="PUT")]
    assert puts == [412, 204]
    supplier = visma.record("supplier", target)
    assert supplier["name"] == "Changed At Source AS" and supplier["vatRegistrationId"] == "NO999999999MVA"


def test_a_concurrent_run_is_refused_by_the_lock(integration, visma):
    map_classes(integration, "DOM", "EXP")
    held_by_another_worker = lock_acquire(integration_id=integration.pk)

    skipped = run(integration)

    assert skipped.status == SyncRun.Status.SKIPPED and "in progress" in skipped.error
    assert skipped.read == 0 and suppliers(visma) == []
    held_by_another_worker.release()
    assert run(integration).status == SyncRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_write_once(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    visma.faults.slow_seconds = 0.05  # keep the first run busy while the second starts
    runs = [sync_run_create(integration=integration) for _ in range(2)]
    results = {}

    def go(r):
        from django.db import connection

        results[r.pk] = sync_run_execute(run=r).status
        connection.close()

    threads = [threading.Thread(target=go, args=(r,)) for r in runs]
    threads[0].start()
    threading.Event().wait(0.3)
    threads[1].start()
    for t in threads:
        t.join(60)

    assert sorted(results.values()) == [SyncRun.Status.SKIPPED, SyncRun.Status.SUCCEEDED]
    assert len(suppliers(visma)) == CUSTOMERS


def test_bad_input_is_quarantined_and_the_run_goes_on(integration, visma):
    map_classes(integration, "DOM", "EXP")
    broken = customers(visma)[2]["number"]
    visma.modify("customer", broken, name="")

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL
    assert result.failed == 1 and result.created == CUSTOMERS - 1
    pending = PendingRecord.objects.get(integration=integration, source_id=broken)
    assert pending.status == PendingRecord.Status.QUARANTINED and "name" in pending.reason
    assert AuditRecord.objects.filter(run=result, action=AuditRecord.Action.QUARANTINE, source_ref=broken).exists()


def test_a_dry_run_writes_nothing(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")

    preview = sync_run_execute(run=sync_run_create(integration=integration, dry_run=True))

    assert preview.read == CUSTOMERS and writes(sandbox) == []
    assert AuditRecord.objects.filter(run=preview, outcome=AuditRecord.Outcome.DRY_RUN).count() == CUSTOMERS
    assert not Cursor.objects.filter(integration=integration).exclude(value={}).exists()


def test_held_release_does_nothing_without_the_mapping(integration, visma):
    run(integration)
    assert held_release(integration=integration) is None


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
