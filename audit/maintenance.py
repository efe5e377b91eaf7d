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
    """Delete every tenant's audit rows (and resolved pending records) older than its retention.

    Returns rows deleted per tenant slug (tenants with nothing to purge are left out).
    """
    from syncs.models import PendingRecord  # syncs imports audit; import here to keep the app graph one-way

    now = now or timezone.now()
    purged: dict[str, int] = {}
    for tenant in Tenant.objects.order_by("pk"):
        cutoff = now - timedelta(days=tenant.audit_retention_days)
        with write_grant(purpose=AuditWriteGrant.Purpose.PURGE):
            audits, _ = AuditRecord.objects.filter(tenant=tenant, created_at__lt=cutoff).delete()
            pending, _ = PendingRecord.objects.filter(tenant=tenant, status=PendingRecord.Status.RESOLVED,
                                                      updated_at__lt=cutoff).delete()
        if audits or pending:
            purged[tenant.slug] = audits + pending
    return purged
