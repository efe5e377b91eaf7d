"""What the dashboard's charts and the home page's sparklines draw: figures of finished runs, as plain lists
ready for uPlot (x values in Unix seconds, one list per series).

Times are the tenant's, not the browser's: days are counted from the tenant's midnight, run labels are
written here in its zone (24-hour), and the zone's name goes with the data so charts.js draws its axis in it.
"""
from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

from mlconnector.timezones import DEFAULT_TIME_ZONE
from syncs.health_selectors import FINISHED
from syncs.models import Integration, SyncRun

HISTORY_RUNS = 30
SPARKLINE_RUNS = 20
OVER_TIME_DAYS = 30


def _finished_runs(integration: Integration):
    return SyncRun.objects.filter(tenant_id=integration.tenant_id, integration=integration, dry_run=False,
                                  status__in=FINISHED, finished_at__isnull=False)


def tenant_zone(integration: Integration) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(integration.tenant.time_zone or DEFAULT_TIME_ZONE)


def run_history_chart(*, integration: Integration, runs: int = HISTORY_RUNS) -> dict:
    """The last `runs` finished runs, oldest first: created, updated and held records, and duration. Runs are
    labelled by their number in this integration (#1, #2, … as in its run history), with when they finished."""
    rows = list(_finished_runs(integration).order_by("-finished_at", "-pk")[:runs])[::-1]
    zone = tenant_zone(integration)
    return {
        "x": [int(r.finished_at.timestamp()) for r in rows],
        "run": [r.number for r in rows],
        "finished": [f"{r.finished_at.astimezone(zone):%d %b %H:%M}" for r in rows],
        "zone": zone.key,
        "created": [r.created for r in rows], "updated": [r.updated for r in rows], "held": [r.held for r in rows],
        "failed": [r.failed for r in rows],
        "seconds": [round((r.finished_at - r.started_at).total_seconds(), 1) if r.started_at else None
                    for r in rows],
    }


def records_over_time_chart(*, integration: Integration, days: int = OVER_TIME_DAYS,
                            now: datetime | None = None) -> dict:
    """Records written (created + updated), held and failed per day of the tenant's calendar over the last
    `days` days, zeros included so a quiet day reads as one. x is each day's midnight in the tenant's zone."""
    zone = tenant_zone(integration)
    today = (now or timezone.now()).astimezone(zone).date()
    dates = [today - timedelta(days=days - 1 - offset) for offset in range(days)]
    start = datetime.combine(dates[0], time(), tzinfo=zone)
    per_day = {row["day"].astimezone(zone).date(): row for row in (
        _finished_runs(integration).filter(finished_at__gte=start)
        .annotate(day=TruncDay("finished_at", tzinfo=zone)).values("day")
        .annotate(created=Sum("created"), updated=Sum("updated"), held=Sum("held"), failed=Sum("failed")))}
    chart = {"x": [], "written": [], "held": [], "failed": [], "zone": zone.key}
    for day in dates:
        row = per_day.get(day, {})
        chart["x"].append(int(datetime.combine(day, time(), tzinfo=zone).timestamp()))
        chart["written"].append((row.get("created") or 0) + (row.get("updated") or 0))
        chart["held"].append(row.get("held") or 0)
        chart["failed"].append(row.get("failed") or 0)
    return chart


def run_sparkline(*, integration: Integration, runs: int = SPARKLINE_RUNS) -> dict:
    """Records handled per run over the last `runs` finished runs, oldest first (the home page's sparkline)."""
    rows = list(_finished_runs(integration).order_by("-finished_at", "-pk")
                .values_list("finished_at", "read", "failed")[:runs])[::-1]
    return {"id": f"sparkline-{integration.pk}", "x": [int(at.timestamp()) for at, _, _ in rows],
            "read": [read for _, read, _ in rows], "failed": [failed for _, _, failed in rows]}
