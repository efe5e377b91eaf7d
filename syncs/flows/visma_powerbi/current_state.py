"""Current-state tables: GL accounts and dimensions hold one row per record, rebuilt when a record changed.

Reference data is what reports join on (JournalLines[AccountCd] → GLAccounts[AccountCd] needs one row per
account), so a change-log with two versions of an account would break the relationship, not just a sum. Push
tables cannot update a row, and DELETE empties the whole table, so a changed account is handled as:

1. the run appends its new version like any change (the intent, the lineage and the replay stay the same);
2. after the table's last page, on the run's thread, the table is rebuilt: DELETE rows, then POST the current
   state — the latest confirmed write of each record, with the Version and BatchId it was pushed with — in
   batches of 10,000 through the client's limiter, so within the quota like any other push.

A rebuild is marked in the stream's own cursor row (`<table>#current`) before the DELETE and cleared after the
last POST, so a worker killed in between (table empty or half full) is repaired by the next run even when
Visma changed nothing. Reference tables are small (hundreds to thousands of rows), so a rebuild takes seconds;
for those seconds a report may miss an account, which is the staleness this design accepts
(docs/flows/visma-powerbi.md). A replayed batch of such a table is a rebuild, never an append.
"""
from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_record
from connections.vendors.powerbi.client import MAX_ROWS_PER_POST
from syncs.models import Cursor, SyncRun, WriteIntent

S = WriteIntent.State


def _marker(integration, table: str):
    return Cursor.objects.get_or_create(integration=integration, stream=f"{table}#current")[0]


def current_rows(*, integration, table: str) -> list[dict]:
    """The latest confirmed write of each record of `table`, as the row it was pushed as."""
    latest: dict[str, dict] = {}
    for intent in (WriteIntent.objects.filter(integration=integration, stream=table, state=S.CONFIRMED)
                   .order_by("source_id", "-created_at", "-pk").iterator()):
        if intent.source_id not in latest:
            latest[intent.source_id] = {**intent.payload, "BatchId": intent.batch}
    return list(latest.values())


def _counts(integration, table: str) -> dict:
    return WriteIntent.objects.filter(integration=integration, stream=table, state=S.CONFIRMED).aggregate(
        writes=Count("pk"), records=Count("source_id", distinct=True))


def rebuild_due(*, integration, table: str) -> bool:
    """A rebuild left half-way, or a record of which an older version is in the table was written since the
    last rebuild (by this run, or by a release or replay, which do not rebuild themselves). Never in a dry run
    (the wizard's preview writes nothing): the lease lets one run of an integration run at a time, so a running
    dry run is the caller's."""
    if SyncRun.objects.filter(integration=integration, status=SyncRun.Status.RUNNING, dry_run=True).exists():
        return False
    state = _marker(integration, table).value or {}
    if state.get("rebuilding"):
        return True
    counts = _counts(integration, table)
    return counts["writes"] > counts["records"] and counts["writes"] != state.get("writes")


def table_rebuild(*, integration, destination, dataset_id: str, table: str) -> int:
    """Empty `table` and push its current state; returns the rows pushed."""
    marker = _marker(integration, table)
    marker.value = {"rebuilding": True, "started": timezone.now().isoformat()}
    marker.save(update_fields=["value", "updated_at"])
    rows = current_rows(integration=integration, table=table)
    writes = _counts(integration, table)["writes"]  # what this rebuild covers (rebuild_due compares it)
    destination.delete_rows(dataset_id, table)
    for start in range(0, len(rows), MAX_ROWS_PER_POST):
        destination.post_rows(dataset_id, table, rows[start:start + MAX_ROWS_PER_POST])
    marker.value = {"rebuilding": False, "rebuilt": timezone.now().isoformat(), "rows": len(rows),
                    "writes": writes}
    marker.save(update_fields=["value", "updated_at"])
    audit_record(tenant=integration.tenant, integration=integration, action=AuditRecord.Action.UPDATE,
                 outcome=AuditRecord.Outcome.OK, stream=table, source_ref="current-state",
                 target_ref=f"{dataset_id}/{table}",
                 reason=f"{table} rebuilt as current state: emptied, then {len(rows)} row(s), one per record.")
    return len(rows)
