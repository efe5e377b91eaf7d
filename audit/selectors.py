"""Reads of the audit trail; always within one tenant."""
from __future__ import annotations

from django.db.models import QuerySet

from audit.models import AuditRecord
from connections.models import Tenant


def audit_record_list(*, tenant: Tenant, integration_id: int | None = None, run_id: int | None = None,
                      stream: str | None = None, outcome: str | None = None, action: str | None = None,
                      source_ref: str | None = None) -> QuerySet[AuditRecord]:
    records = AuditRecord.objects.filter(tenant=tenant)
    if integration_id is not None:
        records = records.filter(integration_id=integration_id)
    if run_id is not None:
        records = records.filter(run_id=run_id)
    if stream:
        records = records.filter(stream=stream)
    if outcome:
        records = records.filter(outcome=outcome)
    if action:
        records = records.filter(action=action)
    if source_ref:
        records = records.filter(source_ref=source_ref)
    return records.order_by("-created_at", "-pk")


def audit_record_get(*, tenant: Tenant, pk: int) -> AuditRecord | None:
    return AuditRecord.objects.filter(tenant=tenant, pk=pk).first()


def audit_record_story(*, tenant: Tenant, integration_id: int | None, stream: str,
                       source_ref: str) -> QuerySet[AuditRecord]:
    """Every audit row of one source record in one integration, oldest first: each attempt, as it happened."""
    return (AuditRecord.objects.filter(tenant=tenant, integration_id=integration_id, stream=stream,
                                       source_ref=source_ref)
            .select_related("run").order_by("created_at", "pk"))

