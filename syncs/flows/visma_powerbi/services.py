"""People's actions on a Visma → Power BI integration: replay a pushed batch, apply the declared schema.

Both talk to Power BI first and then record what happened in one transaction with its audit row. A batch
replay is a run of its own (trigger replay) under the integration's lease, so it never races a scheduled
run, and its outcome is the run's: errors as columns, counts, audit rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_record
from connections.vendors.errors import VendorError
from connections.vendors.powerbi.schema import VISMA_FINANCE
from connections.vendors.powerbi.validation import Difference
from syncs.engine import sync_run_create
from syncs.engine.read import flow_context
from syncs.engine.run import RunState, sync_run_work
from syncs.flows.visma_powerbi.current_state import table_rebuild
from syncs.flows.visma_powerbi.dataset import batch_rows, dataset_drift, dataset_ensure, dataset_find, row_addresses
from syncs.flows.visma_powerbi.lineage import as_intents, batch_intents, batch_ref, rows_hash
from syncs.models import FieldMapping, Integration, SyncRun, WriteIntent

A, O, S = AuditRecord.Action, AuditRecord.Outcome, WriteIntent.State
FLOW_KIND = "visma_powerbi"


class PowerBIActionError(Exception):
    """An action that cannot be done as asked, in words for the person who asked."""


@dataclass
class BatchReplay:
    run: SyncRun
    batch_id: str
    table: str
    rows: int = 0
    newly_confirmed: int = 0
    dataset_id: str = ""
    request_id: str = ""
    rebuilt_rows: int | None = None  # a current-state table is rebuilt instead (current_state.py)


def push_batch_replay(*, integration: Integration, batch_id: str) -> BatchReplay:
    """POST the batch's rows again, byte-identical (same BatchId, same Version per record), so what a report
    sums cannot move: every (record, version) it carries is counted once however often it arrives
    (docs/flows/visma-powerbi.md). Intents of the batch that were refused or unknown are confirmed by a
    successful replay. A transient Power BI error is raised after the run recorded it; a permanent one ends
    the run failed with Power BI's words."""
    rows = batch_intents(tenant=integration.tenant, integration=integration, batch_id=batch_id)
    if not rows:
        raise PowerBIActionError(f"{integration} has no pushed batch {batch_id}.")
    table = rows[0].stream
    replay = BatchReplay(run=sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY),
                         batch_id=batch_id, table=table, rows=len(rows))

    def work(state: RunState) -> None:
        stream = state.stream(table)
        if stream is None:
            raise PowerBIActionError(f"This integration no longer pushes {table}; its batch cannot be replayed.")
        intents = as_intents(rows)
        receipt = {"batch": batch_id, "table": table, "rows": len(rows), "rows_hash": rows_hash(intents)}
        try:
            stream.dataset_id = dataset_ensure(stream.ctx)
            replay.dataset_id = receipt["dataset"] = stream.dataset_id
            addresses = row_addresses(stream.dataset_id, batch_id, len(rows))
            if stream.current_state:  # one row per record: the batch's rows are put back by a rebuild
                with transaction.atomic():
                    replay.newly_confirmed = _confirm(state, stream.name, rows, addresses)
                replay.rebuilt_rows = receipt["rebuilt_rows"] = table_rebuild(
                    integration=integration, destination=stream.destination, dataset_id=stream.dataset_id, table=table)
            else:
                replay.request_id = stream.destination.post_rows(stream.dataset_id, table, batch_rows(intents))
        except VendorError as error:
            state.ledger.counts["failed"] += len(rows)
            state.ledger.audit(table, batch_ref(batch_id), A.REPLAY, O.FAILED, reason=(
                f"Replay of batch {batch_id} ({len(rows)} rows) refused by Power BI: {error}"),
                payload={**receipt, "status": error.status})
            raise
        with transaction.atomic():
            if not stream.current_state:
                replay.newly_confirmed = _confirm(state, stream.name, rows, addresses)
            state.ledger.counts["read"] += len(rows)
            state.ledger.counts["created"] += replay.newly_confirmed
            state.ledger.counts["unchanged"] += len(rows) - replay.newly_confirmed
            state.ledger.audit(table, batch_ref(batch_id), A.REPLAY, O.OK, target_id=f"{stream.dataset_id}/{table}",
                               reason=(f"Replayed batch {batch_id}: {len(rows)} rows to {table}; Power BI answered "
                                       f"200 (RequestId {replay.request_id or 'none'})." if replay.rebuilt_rows is None
                                       else f"Replayed batch {batch_id} of current-state table {table} as a rebuild: "
                                       f"{replay.rebuilt_rows} row(s), one per record."),
                               payload={**receipt, "status": 200, "request_id": replay.request_id})
            state.ledger.flush()

    replay.run = sync_run_work(run=replay.run, work=work)
    return replay


def _confirm(state: RunState, stream: str, rows: list[WriteIntent], addresses: list[str]) -> int:
    """Settle the batch's unsettled or refused intents as confirmed, as the engine's settle would have; the id
    map follows unless a later write of the record was confirmed since (it stays the newest)."""
    todo = [(row, address) for row, address in zip(rows, addresses) if row.state != S.CONFIRMED]
    if not todo:
        return 0
    newest = max(row.created_at for row, _ in todo)
    later = set(WriteIntent.objects.filter(integration=state.run.integration, stream=stream, state=S.CONFIRMED,
                                           source_id__in=[r.source_id for r, _ in todo], created_at__gt=newest)
                .values_list("source_id", flat=True))
    now = timezone.now()
    for row, address in todo:
        WriteIntent.objects.filter(pk=row.pk).update(state=S.CONFIRMED, target_id=address, settled_at=now,
                                                     last_run=state.run, error_class="", error_status=None,
                                                     error_message="")
    state.ledger.id_map_save(stream, [(r.source_id, a, r.content_hash) for r, a in todo if r.source_id not in later])
    state.ledger.pending_resolve(stream, {r.source_id for r, _ in todo})
    return len(todo)


@dataclass
class SchemaApplied:
    dataset_id: str
    applied: list[str] = field(default_factory=list)  # tables PUT
    left: list[Difference] = field(default_factory=list)  # what PUT cannot fix (a missing table)


def powerbi_schema_check(*, integration: Integration) -> tuple[str | None, list[Difference]]:
    """The integration's dataset and what keeps it from taking our rows ([] when it can, or none exists yet:
    the first run creates it): drift from the declared schema, and columns the wizard's field mapping writes
    that the dataset does not have (a customer's dataset validated against the mapping)."""
    ctx = flow_context(integration=integration)
    dataset_id = dataset_find(ctx)
    if not dataset_id:
        return None, []
    drift = dataset_drift(ctx, dataset_id)
    live = ctx.options.get("_columns") or {}
    for mapping in FieldMapping.objects.filter(tenant=integration.tenant, integration=integration):
        columns = live.get(mapping.stream)
        if columns is not None and mapping.target_field not in columns:
            drift.append(Difference(mapping.stream, mapping.target_field, "missing_column",
                                    f"by the field mapping, from Visma {mapping.source_field or 'a default'}"))
    return dataset_id, drift


def table_merged(declared: dict, existing: dict) -> dict:
    """The declared table plus the customer's own columns and measures: PUT replaces a table's columns, and a
    column of theirs dropped by our fix would break their reports."""
    names = {c["name"] for c in declared["columns"]}
    measures = {m["name"] for m in declared.get("measures", [])}
    merged = dict(declared, columns=declared["columns"] + [c for c in existing.get("columns", [])
                                                          if c.get("name") not in names])
    theirs = [m for m in existing.get("measures", []) if m.get("name") not in measures]
    if theirs or declared.get("measures"):
        merged["measures"] = declared.get("measures", []) + theirs
    return merged


def powerbi_schema_apply(*, integration: Integration, actor=None) -> SchemaApplied:
    """PUT every drifted table of the integration's dataset to its declared columns (schema drift: a new Visma
    field, a changed type). A missing table is left and named: Power BI cannot add a table to a push dataset."""
    if integration.flow_kind != FLOW_KIND:
        raise PowerBIActionError(f"{integration} does not push to Power BI.")
    ctx = flow_context(integration=integration)
    dataset_id = dataset_find(ctx)
    if not dataset_id:
        raise PowerBIActionError(f"{integration} has no Power BI dataset yet: the next run creates it from the "
                                 "declared schema, so there is nothing to apply.")
    existing = {t["name"]: t for t in ctx.destination.list_tables(dataset_id)}
    drift = dataset_drift(ctx, dataset_id)
    result = SchemaApplied(dataset_id, left=[d for d in drift if d.kind == "missing_table"])
    for name in sorted({d.table for d in drift if d.kind != "missing_table"}):
        ctx.destination.put_table(dataset_id, table_merged(VISMA_FINANCE.table(name).to_power_bi(), existing[name]))
        result.applied.append(name)
    with transaction.atomic():
        audit_record(tenant=integration.tenant, integration=integration, action=A.UPDATE,
                     outcome=O.FAILED if result.left else O.OK, stream="schema", source_ref=dataset_id,
                     target_ref=dataset_id, reason=(
                         f"Declared schema applied by {getattr(actor, 'username', 'the system')}: "
                         f"PUT table {', '.join(result.applied) or 'none needed'}."
                         + (f" Left: {' '.join(map(str, result.left))}" if result.left else "")),
                     payload={"dataset": dataset_id, "tables": result.applied,
                              "differences": [str(d) for d in drift]})
    return result
