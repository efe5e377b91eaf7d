"""Erasing one person: every audit row and pending record of theirs pseudonymised, bookkeeping kept, logged."""
import json

import pytest
from django.core.management import CommandError, call_command

from audit.erasure import person_erase, pseudonym
from audit.models import AuditRecord, ErasureLog
from audit.services import audit_record
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import InboundEvent, PendingRecord
from tests.e2e.test_rippling_visma import map_all_departments

ALAN = ("Alan", "Turing", "alan.turing@example.com")


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


@pytest.fixture
def history(integration, rippling, visma):
    """Everyone held once (no mapping yet), then written: hold rows with the source record, create rows."""
    run(integration)
    map_all_departments(integration, rippling)
    run(integration)
    alan = next(w for w in rippling.data["workers"].rows.values() if w["work_email"] == ALAN[2])
    return alan["user_id"]


def bookkeeping(rows):
    return [(r.pk, r.run_id, r.stream, r.source_ref, r.target_ref, r.action, r.outcome, r.created_at) for r in rows]


def test_it_pseudonymises_every_row_of_the_person_and_keeps_the_bookkeeping(integration, tenant_a, history):
    before = list(AuditRecord.objects.filter(source_ref=history).order_by("pk"))
    assert {r.action for r in before} >= {"hold", "create"}
    others = {r.pk: r.payload for r in AuditRecord.objects.exclude(source_ref=history)}

    log = person_erase(tenant=tenant_a, email="Alan.Turing@example.com")

    after = list(AuditRecord.objects.filter(source_ref=history).order_by("pk"))
    assert bookkeeping(after) == bookkeeping(before)
    text = json.dumps([(r.payload, r.reason, r.mapping_used) for r in after])
    assert not any(value.lower() in text.lower() for value in ALAN), text
    email = pseudonym(tenant=tenant_a, value=ALAN[2])
    created = next(r for r in after if r.action == "create")
    held = next(r for r in after if r.action == "hold")
    assert created.payload["contact"]["email"] == held.payload["work_email"] == email  # stable pseudonym
    assert created.payload["department"] and created.payload["status"] == "Active"  # not personal: kept
    assert {r.pk: r.payload for r in AuditRecord.objects.exclude(source_ref=history)} == others
    assert (log.audit_rows, log.pending_rows, log.source_refs) == (len(before), 1, [history])
    assert log.person_key == f"email:{email}" and ALAN[2] not in json.dumps(log.person_key)


def test_the_pending_record_is_pseudonymised_and_never_written(integration, tenant_a, rippling, visma):
    run(integration)  # held: nothing mapped
    alan = next(w for w in rippling.data["workers"].rows.values() if w["work_email"] == ALAN[2])

    person_erase(tenant=tenant_a, source_id=alan["user_id"])

    pending = PendingRecord.objects.get(integration=integration, source_id=alan["user_id"])
    assert pending.status == PendingRecord.Status.RESOLVED
    assert pending.payload["work_email"] == pseudonym(tenant=tenant_a, value=ALAN[2])
    assert pending.payload["date_of_birth"].startswith("pseudonym:")
    map_all_departments(integration, rippling)
    run(integration)
    assert ALAN[2] not in json.dumps(list(visma.data.tables["employees"].ordered()[0]))


def test_another_tenants_rows_are_left_alone(tenant_a, tenant_b, history):
    theirs = audit_record(tenant=tenant_b, action="create", outcome="ok", stream="employees", source_ref=history,
                          payload={"work_email": ALAN[2]})

    person_erase(tenant=tenant_a, source_id=history)

    assert AuditRecord.objects.get(pk=theirs.pk).payload == {"work_email": ALAN[2]}


def test_the_command_erases_by_source_id_and_logs_it(tenant_a, history, capsys):
    call_command("erase_person", "--tenant", "tenant-a", "--source-id", history)

    assert "audit rows" in capsys.readouterr().out
    log = ErasureLog.objects.get(tenant=tenant_a)
    assert log.person_key == f"source_id:{history}" and log.requested_by_name == "command line"


def test_the_command_refuses_an_unknown_person_or_tenant(tenant_a, history):
    with pytest.raises(CommandError, match="no audit rows"):
        call_command("erase_person", "--tenant", "tenant-a", "--email", "nobody@example.com")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("erase_person", "--tenant", "nope", "--source-id", history)
    assert not ErasureLog.objects.exists()


def test_inbound_events_naming_the_person_are_rewritten_too(integration, tenant_a, history):
    event = InboundEvent.objects.create(
        tenant=tenant_a, connection=integration.source, event_id="evt-1", type="worker.updated",
        source_ids=[history], payload={"worker": {"work_email": ALAN[2]}, "type": "worker.updated"},
        raw_body=json.dumps({"worker": {"work_email": ALAN[2]}}), status=InboundEvent.Status.PROCESSED)
    other = InboundEvent.objects.create(
        tenant=tenant_a, connection=integration.source, event_id="evt-2", type="worker.updated",
        source_ids=["someone-else"], payload={"worker": {"work_email": "grace@example.com"}}, raw_body="{}")

    log = person_erase(tenant=tenant_a, email=ALAN[2])

    event.refresh_from_db()
    assert event.payload == {"worker": {"work_email": pseudonym(tenant=tenant_a, value=ALAN[2])},
                             "type": "worker.updated"}
    assert event.raw_body == "" and event.source_ids == [history]
    other.refresh_from_db()
    assert other.payload == {"worker": {"work_email": "grace@example.com"}}
    assert log.event_rows == 1
