"""The dashboard's chart data: runs labelled by their number in the integration, days and times in the tenant's
time zone (not UTC, not the browser's)."""
import zoneinfo
from datetime import datetime, timedelta, timezone

from syncs.charts import records_over_time_chart, run_history_chart
from syncs.engine import sync_run_create
from syncs.models import SyncRun
from syncs.services import integration_create

UTC = timezone.utc
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def finished(integration, at: datetime, *, created: int = 1) -> SyncRun:
    run = sync_run_create(integration=integration)
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", started_at=at - timedelta(seconds=30),
                                             finished_at=at, created=created)
    return run


def test_runs_are_labelled_by_their_number_in_the_integration_and_finish_in_tenant_time(integration):
    other = integration_create(tenant=integration.tenant, name="Another", flow_kind=integration.flow_kind,
                               source=integration.source, destination=integration.destination)
    at = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    for n, which in enumerate((other, integration, other, integration)):
        finished(which, at + timedelta(minutes=n))
    chart = run_history_chart(integration=integration)
    assert chart["run"] == [1, 2]  # not the global ids (2 and 4)
    assert chart["finished"] == ["01 Dec 14:06", "01 Dec 14:08"]  # Oslo is UTC+1 in December, 24-hour clock
    assert chart["zone"] == "Europe/Oslo"


def test_days_are_the_tenants_calendar_days(integration):
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    finished(integration, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), created=5)  # 1 Dec 00:30 in Oslo
    finished(integration, datetime(2026, 11, 30, 22, 30, tzinfo=UTC), created=2)  # 30 Nov 23:30 in Oslo
    chart = records_over_time_chart(integration=integration, days=3, now=now)
    assert chart["x"] == [int(datetime(2026, 11, d, tzinfo=OSLO).timestamp()) for d in (29, 30)] + [
        int(datetime(2026, 12, 1, tzinfo=OSLO).timestamp())]
    assert chart["written"] == [0, 2, 5]

    integration.tenant.time_zone = "UTC"
    integration.tenant.save()
    utc_days = records_over_time_chart(integration=integration, days=3, now=now)
    assert utc_days["written"] == [0, 7, 0] and utc_days["zone"] == "UTC"
