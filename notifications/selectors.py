"""Reads for notifications; every selector takes the tenant (or a row that belongs to one) explicitly."""
from __future__ import annotations

import re

from audit.models import AuditRecord
from connections.models import Connection, Membership, Tenant
from notifications.models import Kind, NotificationSettings, NotificationThrottle
from syncs.models import PendingRecord, SyncRun, ValueMapping

CHUNK = 500


def notification_settings_for(*, tenant: Tenant) -> NotificationSettings:
    """The tenant's settings, or unsaved defaults when it never changed them."""
    return NotificationSettings.objects.filter(tenant=tenant).first() or NotificationSettings(tenant=tenant)


def notification_recipients(*, tenant: Tenant) -> list[str]:
    """E-mail addresses of the tenant's active owners and admins (viewers are not bothered)."""
    emails = (Membership.objects.filter(tenant=tenant, role__in=Membership.MANAGING_ROLES, user__is_active=True)
              .exclude(user__email="").order_by("user__email").values_list("user__email", flat=True))
    return list(dict.fromkeys(email.strip() for email in emails))


def failure_streak_open(*, integration_id: int | None = None, connection_id: int | None = None) -> bool:
    kind, lookup = ((Kind.RUN_FAILED, {"integration_id": integration_id}) if integration_id is not None
                    else (Kind.CONNECTION_FAILED, {"connection_id": connection_id}))
    return NotificationThrottle.objects.filter(kind=kind, failing_since__isnull=False, **lookup).exists()


def run_superseded(*, run: SyncRun) -> bool:
    """A later run of the same integration already got through (notification tasks can arrive out of order)."""
    return bool(run.finished_at) and SyncRun.objects.filter(
        integration_id=run.integration_id, finished_at__gt=run.finished_at,
        status__in=(SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)).exists()


def run_new_holds(*, run: SyncRun) -> list[dict]:
    """Records this run held for a missing mapping that no earlier run had held for the same mapping.

    A record held for one mapping is retried by every run once that mapping exists; if a second one
    is missing it is held again, and that must not be news every hour. The audit trail says whether
    an earlier run held it for the same key already.
    """
    holds = list(PendingRecord.objects.filter(integration_id=run.integration_id, last_run=run,
                                              status=PendingRecord.Status.HELD)
                 .order_by("missing_key", "source_id").values("stream", "source_id", "missing_key", "reason"))
    earlier = set()
    for start in range(0, len(holds), CHUNK):
        refs = [h["source_id"] for h in holds[start:start + CHUNK]]
        rows = (AuditRecord.objects.filter(integration_id=run.integration_id, action=AuditRecord.Action.HOLD,
                                           source_ref__in=refs).exclude(run_id=run.pk)
                .values_list("stream", "source_ref", "mapping_used"))
        earlier |= {(stream, ref, (used or {}).get("missing")) for stream, ref, used in rows}
    return [h for h in holds if (h["stream"], h["source_id"], h["missing_key"]) not in earlier]


def run_failed_records(*, run: SyncRun) -> list[dict]:
    """The run's failed records, each with `value_mapping`: the translation whose target the destination
    named in its refusal (map_name, source_value, target_value), or None when no mapping is involved."""
    failures = list(PendingRecord.objects.filter(
        integration_id=run.integration_id, last_run=run,
        status__in=(PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED))
        .order_by("stream", "source_id").values("stream", "source_id", "reason", "error_message"))
    translations = list(ValueMapping.objects.filter(tenant_id=run.tenant_id, integration_id=run.integration_id)
                        .values_list("map_name", "source_value", "target_value"))
    for failure in failures:
        failure["value_mapping"] = value_mapping_named(failure["error_message"], translations)
    return failures


def value_mapping_named(vendor_message: str, translations: list[tuple[str, str, str]]):
    """The translation whose target value the vendor's message names as a whole word (the value it refused)."""
    for translation in translations:
        target = translation[2]
        if target and re.search(rf"(?<![\w-]){re.escape(target)}(?![\w-])", vendor_message or ""):
            return translation
    return None


def connection_for_notice(*, connection_id: int) -> Connection | None:
    return Connection.objects.select_related("tenant").filter(pk=connection_id).first()
