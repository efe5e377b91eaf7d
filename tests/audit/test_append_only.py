import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditRecord
from audit.redaction import redact, redact_text
from audit.services import audit_record


@pytest.fixture
def record(tenant_a):
    return audit_record(tenant=tenant_a, action=AuditRecord.Action.CREATE, outcome=AuditRecord.Outcome.OK,
                        stream="employees", source_ref="E1", target_ref="100",
                        payload={"name": "Ann", "password": "hunter22", "nested": {"api_key": "k-123"}})


def test_it_refuses_updates_in_the_database(record):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(reason="rewritten")
    assert AuditRecord.objects.get(pk=record.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused by the PostgreSQL trigger only")
def test_it_refuses_deletes_in_postgresql(record):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_it_redacts_secrets_before_storing(record):
    stored = AuditRecord.objects.get(pk=record.pk)
    assert stored.payload == {"name": "Ann", "password": "***", "nested": {"api_key": "***"}}
    assert len(stored.payload_digest) == 64


def test_redaction_scrubs_inline_secrets():
    assert redact_text("Authorization: Bearer abcdefghijklmnop") == "Authorization: Bearer ***"
    assert redact_text("client_secret=xyz123&grant_type=x") == "client_secret=***&grant_type=x"
    assert redact({"items": [{"token": "t"}], "ok": 1}) == {"items": [{"token": "***"}], "ok": 1}
