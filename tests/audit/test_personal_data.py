"""Audit payloads keep no sensitive personal fields; pending payloads (needed for release) stay encrypted."""
import json

from django.db import connection

from audit.models import AuditRecord
from audit.privacy import SENSITIVE_MASK, vendor_privacy
from audit.services import audit_fields, audit_record
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import PendingRecord
from tests.e2e.test_rippling_visma import map_all_departments

ALAN_PRIVATE = ("1985-06-23", "alan@example.net", "MALE")


def stored_payload_text(record) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM audit_auditrecord WHERE id = %s", [record.pk])
        return str(cursor.fetchone()[0])


def test_each_vendor_declares_its_sensitive_fields():
    assert {"date_of_birth", "gender", "personal_email"} <= vendor_privacy("rippling").sensitive
    assert "birthDate" in vendor_privacy("visma").sensitive
    assert vendor_privacy("no-such-vendor").sensitive == frozenset()


def test_it_keeps_held_source_records_without_birth_date_gender_or_private_email(integration, rippling, visma):
    run = sync_run_execute(run=sync_run_create(integration=integration))  # no department mapped: all held

    held = AuditRecord.objects.filter(run=run, stream="employees", action=AuditRecord.Action.HOLD)
    assert held.count() == len(rippling.data["workers"].rows)
    alan = next(r for r in held if r.payload.get("work_email") == "alan.turing@example.com")
    assert alan.payload["date_of_birth"] == SENSITIVE_MASK
    assert alan.payload["gender"] == SENSITIVE_MASK
    assert alan.payload["personal_email"] == SENSITIVE_MASK
    for row in held:
        text = stored_payload_text(row)
        assert not any(value in text for value in ALAN_PRIVATE), text
    # The pending copy keeps the whole record for the release, encrypted at rest.
    pending = PendingRecord.objects.get(integration=integration, source_id=alan.source_ref)
    assert pending.payload["date_of_birth"] == "1985-06-23"
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM syncs_pendingrecord WHERE id = %s", [pending.pk])
        assert "1985-06-23" not in str(cursor.fetchone()[0])


def test_written_rows_hold_the_mapped_payload(integration, rippling, visma):
    map_all_departments(integration, rippling)
    run = sync_run_execute(run=sync_run_create(integration=integration))

    created = AuditRecord.objects.filter(run=run, stream="employees", action=AuditRecord.Action.CREATE)
    assert created.exists()
    for row in created:
        assert set(row.payload) >= {"employeeCd", "contact", "department", "status"}
        assert "date_of_birth" not in json.dumps(row.payload)


def test_a_caller_may_name_the_sensitive_fields(tenant_a):
    fields = audit_fields(tenant=tenant_a, action="create", outcome="ok", payload={"a": 1, "nested": {"b": 2}},
                          sensitive_fields={"b"})
    assert fields["payload"] == {"a": 1, "nested": {"b": SENSITIVE_MASK}}


def test_without_an_integration_every_vendors_declaration_applies(tenant_a):
    record = audit_record(tenant=tenant_a, action=AuditRecord.Action.CONNECTION_TEST, outcome="ok",
                          payload={"date_of_birth": "1990-01-01", "birthDate": "1990-01-01", "empty": ""})
    assert record.payload == {"date_of_birth": SENSITIVE_MASK, "birthDate": SENSITIVE_MASK, "empty": ""}
