"""Per-tenant retention: the nightly purge is the one path that deletes audit rows, and only expired ones."""
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.maintenance import audit_purge, write_grant
from audit.models import AuditRecord, AuditWriteGrant
from audit.services import audit_record
from connections.models import Membership
from mlconnector.celery import app
from tests.factories import MembershipFactory


def aged(tenant, days: int, ref: str) -> AuditRecord:
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=days)):
        return audit_record(tenant=tenant, action=AuditRecord.Action.CREATE, outcome=AuditRecord.Outcome.OK,
                            stream="employees", source_ref=ref, payload={"n": ref})


def test_it_deletes_rows_older_than_each_tenants_retention(tenant_a, tenant_b):
    tenant_a.audit_retention_days = 30
    tenant_a.save()
    old_a, fresh_a, old_b = aged(tenant_a, 40, "A-old"), aged(tenant_a, 20, "A-fresh"), aged(tenant_b, 40, "B-old")

    assert audit_purge() == {"tenant-a": 1}

    assert not AuditRecord.objects.filter(pk=old_a.pk).exists()
    assert AuditRecord.objects.filter(pk__in=[fresh_a.pk, old_b.pk]).count() == 2  # tenant B keeps its 365 days
    assert not AuditWriteGrant.objects.exists()


def test_a_tenant_gets_a_year_by_default(tenant_a):
    assert tenant_a.audit_retention_days == 365


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is guarded by the PostgreSQL trigger only")
def test_even_the_purge_grant_cannot_delete_a_row_still_within_retention(tenant_a):
    fresh = aged(tenant_a, 10, "A-fresh")
    with pytest.raises(DatabaseError, match="append-only"), write_grant(purpose=AuditWriteGrant.Purpose.PURGE):
        AuditRecord.objects.filter(pk=fresh.pk).delete()
    assert AuditRecord.objects.filter(pk=fresh.pk).exists()


def test_an_erasure_grant_never_lets_the_bookkeeping_change(tenant_a):
    row = aged(tenant_a, 1, "A1")
    with pytest.raises(DatabaseError, match="append-only"), write_grant(purpose=AuditWriteGrant.Purpose.ERASE):
        AuditRecord.objects.filter(pk=row.pk).update(action=AuditRecord.Action.FAIL)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=row.pk).update(payload={})  # no grant: refused as before
    assert AuditRecord.objects.get(pk=row.pk).action == AuditRecord.Action.CREATE


def test_the_purge_is_on_the_beat_schedule(db):
    assert MigrationRecorder.Migration.objects.filter(app="audit", name="0005_h3_purge_schedule").exists()
    # A transactional test earlier in the run may have flushed the row the migration wrote: write it again.
    schedule = __import__("audit.migrations.0005_h3_purge_schedule", fromlist=["schedule"]).schedule
    schedule(apps, None)
    task = PeriodicTask.objects.get(name="audit: retention purge")
    assert task.enabled and task.crontab is not None
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of tasks modules
    assert task.task in app.tasks


def test_an_owner_sets_the_retention_in_the_admin_and_an_admin_or_outsider_cannot(client, owner, outsider,
                                                                                  tenant_a):
    url = reverse("customer_admin:connections_tenant_change", args=[tenant_a.pk])
    admin = MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN).user
    for user in (outsider, admin):
        client.force_login(user)
        client.post(url, {"name": "Tenant A", "audit_retention_days": 1, "time_zone": "Europe/Oslo"})
        tenant_a.refresh_from_db()
        assert tenant_a.audit_retention_days == 365

    client.force_login(owner)
    assert client.post(url, {"name": "Tenant A", "audit_retention_days": 90, "time_zone": "Europe/Oslo"}).status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.audit_retention_days == 90
    assert client.post(url, {"name": "Tenant A", "audit_retention_days": 0, "time_zone": "Europe/Oslo"}).status_code == 200  # refused: ≥ 1


def test_settled_inbound_events_past_the_retention_are_purged_too(tenant_a):
    from syncs.models import InboundEvent
    from tests.factories import ConnectionFactory

    connection = ConnectionFactory(tenant=tenant_a, kind="rippling")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=400)):
        old = [InboundEvent.objects.create(tenant=tenant_a, connection=connection, event_id=f"e{n}", type="t",
                                           status=status, raw_body="{}")
               for n, status in enumerate([InboundEvent.Status.PROCESSED, InboundEvent.Status.RECEIVED])]

    assert audit_purge() == {"tenant-a": 1}
    assert list(InboundEvent.objects.values_list("pk", flat=True)) == [old[1].pk]  # still to be processed: kept
