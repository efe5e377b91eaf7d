"""The engine's records that cannot be written yet, against the Visma sandbox (customers_to_suppliers.py): a missing
mapping holds them and its mapping releases them, bad input is quarantined while the run goes on, and a replay of
failed or stored records updates what exists instead of duplicating it."""
from audit.models import AuditRecord
from syncs.models import FieldMapping, IdMap, PendingRecord, SyncRun, ValueMapping
from syncs.services import held_release, records_replay, value_mapping_set
from tests.syncs.customers_to_suppliers import CUSTOMERS, by_class, customers, map_classes, run, suppliers
from tests.syncs.customers_to_suppliers import integration, visma  # noqa: F401  (fixtures)
from tests.syncs.flow_under_test import CLASS_MAP


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


def test_held_release_does_nothing_without_the_mapping(integration, visma):
    run(integration)
    assert held_release(integration=integration) is None
