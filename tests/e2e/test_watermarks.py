"""No update is lost through a watermark: the next delta starts when the walk began (less the clock-skew
overlap), never at the newest timestamp a vendor served."""
from datetime import datetime, timezone

from syncs.engine import flow_context, flow_streams, sync_run_create, sync_run_execute
from syncs.models import Cursor, IdMap, SyncRun
from tests.e2e.test_rippling_visma import employee_of, map_all_departments, run, workers


def test_a_worker_changed_behind_a_full_sync_is_synced_next_time(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    by_creation = sorted(workers(rippling), key=lambda w: w["created_at"])
    first, last = by_creation[0], by_creation[-1]
    streams = flow_streams(integration=integration, ctx=flow_context(integration=integration))
    employees = next(s for s in streams if s.name == "employees")
    walk = employees.pages

    def pages(since, next_link):
        for number, page in enumerate(walk(since, next_link)):
            yield page
            if number == 0:  # the walk is past the first worker and not yet at the last one
                sandbox.app.clock.advance(1)
                rippling.update_worker(first["id"], work_email="behind@example.com")
                sandbox.app.clock.advance(1)
                rippling.update_worker(last["id"], work_email="ahead@example.com")

    employees.pages = pages
    full = sync_run_execute(run=sync_run_create(integration=integration), streams=streams)
    assert full.status == SyncRun.Status.SUCCEEDED, full.error
    assert employee_of(integration, visma, last["user_id"])["contact"]["email"] == "ahead@example.com"

    sandbox.app.clock.advance(60)
    run(integration)

    assert employee_of(integration, visma, first["user_id"])["contact"]["email"] == "behind@example.com"


def test_a_worker_dated_in_the_future_does_not_stop_later_deltas(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    run(integration)
    odd, other = workers(rippling)[0], workers(rippling)[1]
    row = rippling.data["workers"].get(odd["id"])
    rippling.data["workers"].put({**row, "updated_at": "2999" + row["updated_at"][4:], "work_email": "future@example.com"})
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    since = Cursor.objects.get(integration=integration, stream="employees").value["since"]
    assert datetime.fromisoformat(since) <= datetime.now(timezone.utc)  # never past now

    sandbox.app.clock.advance(60)
    rippling.update_worker(other["id"], work_email="promoted@example.com")
    delta = run(integration)

    assert delta.updated >= 1
    assert employee_of(integration, visma, other["user_id"])["contact"]["email"] == "promoted@example.com"
    assert IdMap.objects.filter(integration=integration, stream="employees").count() == len(workers(rippling))
