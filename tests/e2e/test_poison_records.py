"""One poison record never stops the integration: it is quarantined with its reason and the run goes on
(also on PostgreSQL, where an over-long id used to fail the quarantine insert itself)."""
from syncs.engine import flow_context, records_process, sync_run_create
from syncs.models import IdMap, PendingRecord, SyncRun
from tests.e2e.test_rippling_visma import employees, map_all_departments, run, workers


def fetched_workers(integration, count):
    page = next(iter(flow_context(integration=integration).source.worker_pages(page_size=count, expand=("user",))))
    return page.results


def test_poison_records_are_quarantined_and_the_rest_written(integration, rippling, visma):
    map_all_departments(integration, rippling)
    good = fetched_workers(integration, 5)
    overflow = {**good[3], "number": float("inf")}  # what json gives for "number": 1e400
    long_id = {**good[4], "user_id": "u" * 300, "id": "w" * 300}
    records = [good[0], overflow, good[1], long_id, ["not", "a", "worker"], good[2]]

    counts = records_process(run=sync_run_create(integration=integration), stream_name="employees", records=records)

    assert counts["created"] == 3 and counts["failed"] == 3
    quarantined = {p.source_id: p.reason for p in PendingRecord.objects.filter(
        integration=integration, status=PendingRecord.Status.QUARANTINED)}
    assert len(quarantined) == 3
    assert quarantined[good[3]["user_id"]].startswith("malformed record: OverflowError")
    long_reason = next(r for r in quarantined.values() if "300 characters" in r)
    assert "at most 255" in long_reason
    assert all(len(source_id) <= 255 for source_id in quarantined)
    assert len(employees(visma)) == 3


def test_a_poison_worker_in_a_full_sync_does_not_stop_the_run(integration, rippling, visma):
    map_all_departments(integration, rippling)
    poisoned = workers(rippling)[0]
    row = rippling.data["workers"].get(poisoned["id"])
    rippling.data["workers"].put({**row, "number": float("inf")})  # served as `"number": Infinity`

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL, result.error
    assert result.failed == 1 and len(employees(visma)) == len(workers(rippling)) - 1
    pending = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.QUARANTINED)
    # The client keeps the number Python cannot hold as the vendor's text, so mapping it is a plain ValueError.
    assert pending.source_id == poisoned["user_id"] and "'Infinity'" in pending.reason
    assert not IdMap.objects.filter(integration=integration, source_id=poisoned["user_id"]).exists()
