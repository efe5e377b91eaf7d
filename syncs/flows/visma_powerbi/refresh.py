"""An optional refresh of an imported Power BI model that depends on the pushed data, after a run pushed rows.

Power BI allows 8 refreshes a day on shared capacity (docs/vendors/powerbi.md §3), counted per model over a
rolling 24 hours. The flow spaces its own over the day (`refresh_every_minutes`, default 24 h / 8 = 180),
so a sync every 15 minutes does not spend the day's refreshes by breakfast; a refresh Power BI refuses anyway
(someone else used the cap, the model's credentials are missing) is recorded with Power BI's words and never
fails the run: the rows are in, only the imported copy is older.

Every request is an audit row (stream `refresh`, target_ref = Power BI's request id): the dashboard's history
and the cap are read from them, so there is no second record of refreshes.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_record
from connections.vendors.errors import VendorError

REFRESHES_PER_DAY = 8
REFRESH_STREAM = "refresh"
DEFAULT_EVERY_MINUTES = 24 * 60 // REFRESHES_PER_DAY
SHOWN_REFRESHES = 20


def _requested(integration):
    return AuditRecord.objects.filter(tenant=integration.tenant, integration=integration, stream=REFRESH_STREAM,
                                      action=AuditRecord.Action.UPDATE)


def refresh_history(*, integration, limit: int = SHOWN_REFRESHES) -> list[AuditRecord]:
    return list(_requested(integration).order_by("-created_at", "-pk")[:limit])


def refreshes_today(*, integration) -> int:
    """Refreshes Power BI accepted from us in the last 24 hours (the cap's rolling window)."""
    since = timezone.now() - timedelta(days=1)
    return _requested(integration).filter(outcome=AuditRecord.Outcome.OK, created_at__gte=since).count()


def refresh_after_push(*, ctx) -> AuditRecord | None:
    """Ask Power BI to refresh the integration's `refresh_dataset_id` model, if one is set, the day's cap is
    not used up and the last refresh is at least `refresh_every_minutes` old. Returns the audit row of the
    request, or None when none was due."""
    integration, options = ctx.integration, ctx.options
    dataset_id = str(options.get("refresh_dataset_id") or "").strip()
    if not dataset_id:
        return None
    every = timedelta(minutes=float(options.get("refresh_every_minutes", DEFAULT_EVERY_MINUTES)))
    accepted = _requested(integration).filter(outcome=AuditRecord.Outcome.OK)
    last = accepted.order_by("-created_at").first()
    if last is not None and timezone.now() - last.created_at < every:
        return None
    if refreshes_today(integration=integration) >= REFRESHES_PER_DAY:
        return None
    try:
        request_id = ctx.destination.refresh_dataset(dataset_id)
    except VendorError as error:
        return audit_record(tenant=integration.tenant, integration=integration, action=AuditRecord.Action.UPDATE,
                            outcome=AuditRecord.Outcome.FAILED, stream=REFRESH_STREAM, source_ref=dataset_id,
                            reason=(f"Power BI refused the refresh of model {dataset_id}: {error} The pushed rows "
                                    "are in; the imported model shows them after its next refresh."))
    return audit_record(tenant=integration.tenant, integration=integration, action=AuditRecord.Action.UPDATE,
                        outcome=AuditRecord.Outcome.OK, stream=REFRESH_STREAM, source_ref=dataset_id,
                        target_ref=request_id, reason=f"Refresh of model {dataset_id} requested after a push.")
