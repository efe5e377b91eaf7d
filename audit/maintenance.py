"""The sanctioned ways past the audit trail's append-only trigger: the retention purge and erasure.

Both run inside `write_grant(...)`, which inserts an AuditWriteGrant row and deletes it again before the
transaction commits: the trigger (migration 0004) allows DELETE of expired rows or UPDATE of payload
columns only while such a row is visible, i.e. only inside this transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit.models import AuditRecord, AuditWriteGrant
from connections.models import Tenant


@contextmanager
def write_grant(*, purpose: str):
    with transaction.atomic():
        grant = AuditWriteGrant.objects.create(purpose=purpose)
        yield
        grant.delete()


def audit_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete every tenant's audit rows, resolved pending records and settled inbound events older than its
    retention.

    Returns rows deleted per tenant slug (tenants with nothing to purge are left out).
    """
    from syncs.models import InboundEvent, PendingRecord  # syncs imports audit: keep the app graph one-way

    now = now or timezone.now()
    purged: dict[str, int] = {}
    for tenant in Tenant.objects.order_by("pk"):
        cutoff = now - timedelta(days=tenant.audit_retention_days)
        with write_grant(purpose=AuditWriteGrant.Purpose.PURGE):
            audits, _ = AuditRecord.objects.filter(tenant=tenant, created_at__lt=cutoff).delete()
            pending, _ = PendingRecord.objects.filter(tenant=tenant, status=PendingRecord.Status.RESOLVED,
                                                      updated_at__lt=cutoff).delete()
            _, deleted = InboundEvent.objects.filter(tenant=tenant, received_at__lt=cutoff).exclude(
                status=InboundEvent.Status.RECEIVED).delete()
            events = deleted.get(InboundEvent._meta.label, 0)  # not the rows of its runs link table
            from drift.models import DriftReport  # its differences hold personal data: kept as long as audit rows

            DriftReport.objects.filter(tenant=tenant, queued_at__lt=cutoff).delete()
        if audits or pending or events:
            purged[tenant.slug] = audits + pending + events
    return purged
