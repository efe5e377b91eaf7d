"""What the dashboard's charts and the home page's sparklines draw: figures of finished runs, as plain lists
ready for uPlot (x values in Unix seconds, one list per series)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.db.models import Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

from syncs.models import Integration, SyncRun
from syncs.selectors import FINISHED

HISTORY_RUNS = 30
SPARKLINE_RUNS = 20
OVER_TIME_DAYS = 30


def _finished_runs(integration: Integration):
    return SyncRun.objects.filter(tenant_id=integration.tenant_id, integration=integration, dry_run=False,
                                  status__in=FINISHED, finished_at__isnull=False)


def run_history_chart(*, integration: Integration, runs: int = HISTORY_RUNS) -> dict:
    """The last `runs` finished runs, oldest first: created, updated and held records, and duration."""
    rows = list(_finished_runs(integration).order_by("-finished_at", "-pk")[:runs])[::-1]
    return {
        "x": [int(r.finished_at.timestamp()) for r in rows],
        "run": [r.pk for r in rows],
        "created": [r.created for r in rows], "updated": [r.updated for r in rows], "held": [r.held for r in rows],
        "failed": [r.failed for r in rows],
        "seconds": [round((r.finished_at - r.started_at).total_seconds(), 1) if r.started_at else None
                    for r in rows],
    }


def records_over_time_chart(*, integration: Integration, days: int = OVER_TIME_DAYS,
                            now: datetime | None = None) -> dict:
    """Records written (created + updated), held and failed per day (UTC) over the last `days` days, zeros
    included so a quiet day reads as one."""
    now = now or timezone.now()
    start = (now - timedelta(days=days - 1)).astimezone(dt_timezone.utc).replace(hour=0, minute=0, second=0,
                                                                                   microsecond=0)
    per_day = {row["day"].date(): row for row in (
        _finished_runs(integration).filter(finished_at__gte=start)
        .annotate(day=TruncDay("finished_at", tzinfo=dt_timezone.utc)).values("day")
        .annotate(created=Sum("created"), updated=Sum("updated"), held=Sum("held"), failed=Sum("failed")))}
    chart = {"x": [], "written": [], "held": [], "failed": []}
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = per_day.get(day.date(), {})
        chart["x"].append(int(day.timestamp()))
        chart["written"].append((row.get("created") or 0) + (row.get("updated") or 0))
        chart["held"].append(row.get("held") or 0)
        chart["failed"].append(row.get("failed") or 0)
    return chart


def run_sparkline(*, integration: Integration, runs: int = SPARKLINE_RUNS) -> dict:
    """Records handled per run over the last `runs` finished runs, oldest first (the home page's sparkline)."""
    rows = list(_finished_runs(integration).order_by("-finished_at", "-pk")
                .values_list("finished_at", "read", "failed")[:runs])[::-1]
    return {"id": f"sparkline-{integration.pk}", "x": [int(at.timestamp()) for at, _, _ in rows], "read": [read for _, read, _ in rows],
            "failed": [failed for _, _, failed in rows]}
