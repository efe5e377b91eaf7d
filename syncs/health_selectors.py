"""Reads for the health dashboard: each integration's health badge, lag and error rate, the run in progress and
how far it got; every selector takes the tenant (or an integration or run of it).

The verdict itself (badge, label, problems) is `syncs/health.py`, a pure function of what these annotate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from connections.models import Connection, Tenant
from syncs.health import Health, health_decide, health_facts
from syncs.models import Cursor, Integration, PendingRecord, SyncRun

FINISHED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED)
COMPLETED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
# An abandoned run is still in progress: the reaper has queued its next attempt.
ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING, SyncRun.Status.ABANDONED)
HEALTH_WINDOW_RUNS = 10  # the error rate is over this many finished runs
RUN_COUNTS = ("read", "created", "updated", "unchanged", "held", "failed")


def _pending_count(*statuses: str) -> Coalesce:
    counted = (PendingRecord.objects.filter(integration=OuterRef("pk"), status__in=statuses)
               .order_by().values("integration").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def integration_health_annotate(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """What a health badge needs, on an already tenant-scoped queryset (the admin's, or integration_list's)."""
    runs = SyncRun.objects.filter(integration=OuterRef("pk"), dry_run=False).order_by("-queued_at", "-pk")
    finished = runs.filter(status__in=FINISHED)
    completed = runs.filter(status__in=COMPLETED).order_by("-finished_at", "-pk")
    active = runs.filter(status__in=ACTIVE).order_by("-status", "queued_at", "pk")  # "running" first, as run_current
    return integrations.select_related("source", "destination", "periodic_task").annotate(
        last_finished_status=Subquery(finished.values("status")[:1]),
        last_success_at=Subquery(completed.values("finished_at")[:1]),
        active_run_id=Subquery(active.values("pk")[:1]),
        active_run_status=Subquery(active.values("status")[:1]),
        active_run_number=Subquery(active.values("number")[:1]),
        active_run_beat_at=Subquery(active.annotate(beat=Coalesce("heartbeat_at", "started_at")).values("beat")[:1]),
        held_count=_pending_count(PendingRecord.Status.HELD),
        failed_count=_pending_count(PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED))


def integration_overview(*, tenant: Tenant) -> list[Integration]:
    """The tenant's integrations, each with `.health` (a syncs.health.Health: badge, label, problems)."""
    integrations = list(integration_health_annotate(Integration.objects.filter(tenant=tenant)).order_by("name", "pk"))
    now = timezone.now()
    for integration in integrations:
        integration.health = health_decide(health_facts(integration), now=now)
    return integrations


def health_badge(integration: Integration, *, now: datetime | None = None) -> Health:
    """The Health of an integration annotated by integration_health_annotate (see syncs.health)."""
    return health_decide(health_facts(integration), now=now or timezone.now())


def connections_failing(*, tenant: Tenant) -> QuerySet[Connection]:
    """The tenant's connections whose last test failed: the home page lists them first."""
    return Connection.objects.filter(tenant=tenant, status=Connection.Status.FAILED).order_by("name", "pk")


@dataclass(frozen=True)
class StreamWatermark:
    stream: str
    watermark: datetime | None  # newest source change synced, as the source reported it
    saved_at: datetime


@dataclass(frozen=True)
class IntegrationHealth:
    badge: str
    badge_label: str
    last_success_at: datetime | None
    lag: timedelta | None
    lag_basis: str  # "watermark", "last_success" or "" (never synced)
    lag_stream: str
    watermarks: list[StreamWatermark]
    held_now: int
    failed_now: int
    window_runs: int
    window_read: int
    window_failed: int
    error_rate: float | None  # failed ÷ read over the window; None when nothing was read
    current_run: SyncRun | None
    problems: tuple = ()  # syncs.health.Problem, most urgent first
    next_run_at: datetime | None = None  # None: paused, or no schedule
    scheduled: bool = False
    # The last successful run saw the source after its newest change: the source has simply been quiet since.
    source_quiet: bool = False


def _watermark(value: dict) -> datetime | None:
    # Every paged stream keeps the newest source timestamp seen in "high" and its delta start in "since".
    # Visma sends no offset (UTC standing in for company-local time), so naive stamps are read as UTC.
    for key in ("high", "since"):
        stamp = (value or {}).get(key)
        if isinstance(stamp, str) and stamp:
            try:
                parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_timezone.utc)
    return None


def _finished_runs(*, tenant_id: int, integration_id: int) -> QuerySet[SyncRun]:
    """An integration's finished real runs (no dry runs), newest first: the window health and progress look at."""
    return SyncRun.objects.filter(tenant_id=tenant_id, integration_id=integration_id, dry_run=False,
                                  status__in=FINISHED).order_by("-queued_at", "-pk")


def integration_health(*, integration: Integration, now: datetime | None = None) -> IntegrationHealth:
    now = now or timezone.now()
    annotated = integration_health_annotate(Integration.objects.filter(tenant_id=integration.tenant_id,
                                                                       pk=integration.pk)).get()
    verdict = health_badge(annotated, now=now)
    watermarks = [StreamWatermark(c.stream, _watermark(c.value), c.updated_at)
                  for c in Cursor.objects.filter(integration=integration).order_by("stream")]
    newest = max((w for w in watermarks if w.watermark), key=lambda w: w.watermark, default=None)
    if newest is not None:
        lag, basis, stream = now - newest.watermark, "watermark", newest.stream
    elif annotated.last_success_at:
        lag, basis, stream = now - annotated.last_success_at, "last_success", ""
    else:
        lag, basis, stream = None, "", ""
    window = list(_finished_runs(tenant_id=integration.tenant_id, integration_id=integration.pk)
                  .values("read", "failed")[:HEALTH_WINDOW_RUNS])
    read, failed = sum(r["read"] for r in window), sum(r["failed"] for r in window)
    from syncs.schedules import schedule_next_run

    facts = health_facts(annotated)
    return IntegrationHealth(
        badge=verdict.badge, badge_label=verdict.label, last_success_at=annotated.last_success_at,
        lag=max(lag, timedelta(0)) if lag is not None else None,  # a source clock ahead of ours is no lag
        lag_basis=basis, lag_stream=stream, watermarks=watermarks,
        held_now=annotated.held_count, failed_now=annotated.failed_count,
        window_runs=len(window), window_read=read, window_failed=failed,
        error_rate=(failed / read) if read else None,
        current_run=run_current(integration=integration), problems=verdict.problems,
        next_run_at=schedule_next_run(integration=annotated, now=now), scheduled=facts.scheduled,
        source_quiet=bool(basis == "watermark" and annotated.last_success_at
                          and annotated.last_success_at >= newest.watermark))


def run_current(*, integration: Integration) -> SyncRun | None:
    """The run in progress, or else the one waiting for a worker."""
    runs = SyncRun.objects.filter(tenant_id=integration.tenant_id, integration=integration, status__in=ACTIVE)
    return runs.order_by("-status", "queued_at", "pk").first()  # "running" sorts before "queued"


def run_progress(*, run: SyncRun) -> dict:
    """What the progress bar shows. The engine saves the counts after every page, so they move during a run."""
    expected = (_finished_runs(tenant_id=run.tenant_id, integration_id=run.integration_id)
                .exclude(trigger=SyncRun.Trigger.REPLAY).values_list("read", flat=True)[:HEALTH_WINDOW_RUNS])
    handled = run.read
    estimate = max(expected, default=0)
    return {
        "id": run.pk, "number": run.number, "status": run.status, "status_label": run.get_status_display(), "trigger": run.trigger,
        "trigger_label": run.get_trigger_display(),
        "active": run.status in ACTIVE, **{k: getattr(run, k) for k in RUN_COUNTS},
        # The largest recent run is the best guess of a run's size we have; past it, the bar has no end.
        "expected": estimate if estimate >= handled and estimate else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "error": run.error,
    }
