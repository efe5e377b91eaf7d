"""Batch lineage of the Power BI push: what each POST rows carried, read from the write intents and audit rows.

There is no table of batches: the intents are the truth about every write (docs/engine.md), and a batch is
the set of intents that share a `batch` id. What a batch record needs is already there —

* table = the intents' stream; row count, source ids (first … last) and states: aggregated over them;
* dataset: the first part of each row's target id (`<dataset>/<batch>/<n>`, streams.row_addresses);
* Power BI's answer: a confirmed intent was answered 200; a refused one holds Power BI's status and message
  (error columns); a `sent` one has no answer yet (unknown outcome);
* hash: sha256 of the rows as sent (streams.batch_rows, sorted by record), computed from the intents'
  mapped rows, so it is the hash of what a replay sends;
* replays: one audit row each (action replay, source_ref `batch:<id>`) with Power BI's status and RequestId.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Max, Min

from audit.models import AuditRecord
from syncs.flows.base import Intent
from syncs.flows.visma_powerbi.dataset import batch_rows
from syncs.models import Integration, WriteIntent

S = WriteIntent.State
SHOWN_BATCHES = 200


def batch_ref(batch_id: str) -> str:
    """The audit rows' source_ref of a batch replay."""
    return f"batch:{batch_id}"


@dataclass
class PushBatch:
    batch_id: str
    table: str
    rows: int = 0
    first_source_id: str = ""
    last_source_id: str = ""
    states: dict[str, int] = field(default_factory=dict)
    dataset_id: str = ""
    sent_at: datetime | None = None
    settled_at: datetime | None = None
    error_status: int | None = None
    error_message: str = ""
    replays: list[AuditRecord] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)  # detail only
    rows_hash: str = ""  # detail only

    @property
    def state(self) -> str:
        """One state when every intent of the batch is in it; otherwise the least settled one wins."""
        for state in (S.SENT, S.PENDING, S.HELD, S.FAILED):
            if self.states.get(state):
                return state
        return S.CONFIRMED

    @property
    def response(self) -> str:
        """Power BI's answer to the batch's POST rows, as far as it is known."""
        if self.state == S.CONFIRMED:
            return "200 OK: rows added"
        if self.state == S.FAILED:
            return f"{self.error_status or 'no HTTP status'}: {self.error_message}".strip()
        if self.state == S.SENT:
            return "no answer recorded (the worker stopped or the call timed out): the outcome is unknown"
        return "not sent yet"


def _batches(rows) -> dict[tuple[str, str], PushBatch]:
    batches: dict[tuple[str, str], PushBatch] = {}
    for row in rows:
        batch = batches.setdefault((row["stream"], row["batch"]), PushBatch(row["batch"], row["stream"]))
        batch.rows += row["n"]
        batch.states[row["state"]] = batch.states.get(row["state"], 0) + row["n"]
        batch.first_source_id = min(filter(None, (batch.first_source_id, row["first"])))
        batch.last_source_id = max(batch.last_source_id, row["last"])
        batch.sent_at = max(filter(None, (batch.sent_at, row["sent"])), default=None)
        batch.settled_at = max(filter(None, (batch.settled_at, row["settled"])), default=None)
        if row["target"] and not batch.dataset_id:
            batch.dataset_id = row["target"].split("/", 1)[0] if "/" in row["target"] else ""
        if row["state"] == S.FAILED:
            batch.error_status, batch.error_message = row["status"], row["message"] or ""
    return batches


def push_batches(*, tenant, integration: Integration, limit: int = SHOWN_BATCHES) -> list[PushBatch]:
    """The integration's pushed batches, newest first (tenant-checked: another tenant's integration has none)."""
    intents = WriteIntent.objects.filter(tenant=tenant, integration=integration).exclude(batch="")
    newest_first = F("sent").desc(nulls_last=True)  # a batch never sent yet (pending) sorts last on both databases
    recent = list(intents.values("batch").annotate(sent=Max("sent_at")).order_by(newest_first, "batch")
                  .values_list("batch", flat=True)[:limit])
    rows = (intents.filter(batch__in=recent).values("stream", "batch", "state")
            .annotate(n=Count("pk"), first=Min("source_id"), last=Max("source_id"), sent=Max("sent_at"),
                      settled=Max("settled_at"), target=Min("target_id"), status=Max("error_status"),
                      message=Max("error_message")))
    batches = _batches(rows)
    replays: dict[str, list[AuditRecord]] = {}
    for record in AuditRecord.objects.filter(tenant=tenant, integration=integration, action=AuditRecord.Action.REPLAY,
                                             source_ref__in=[batch_ref(b) for b in recent]):
        replays.setdefault(record.source_ref, []).append(record)
    for batch in batches.values():
        batch.replays = replays.get(batch_ref(batch.batch_id), [])
    order = {batch_id: n for n, batch_id in enumerate(recent)}
    return sorted(batches.values(), key=lambda b: order.get(b.batch_id, len(order)))


def batch_intents(*, tenant, integration: Integration, batch_id: str) -> list[WriteIntent]:
    """The intents of one batch in the order the engine sent them."""
    return list(WriteIntent.objects.filter(tenant=tenant, integration=integration, batch=batch_id).order_by("pk"))


def as_intents(rows: list[WriteIntent]) -> list[Intent]:
    return [Intent(key=r.key, source_id=r.source_id, mapped=r.payload, record=None, target_id=r.target_id or None,
                   batch=r.batch) for r in rows]


def rows_hash(intents: list[Intent]) -> str:
    """sha256 of the batch's rows as Power BI gets them, in record order (the engine's order within a batch
    may differ between a first send and a replay; the set of rows may not)."""
    rows = sorted(batch_rows(intents), key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def push_batch_get(*, tenant, integration: Integration, batch_id: str) -> PushBatch | None:
    rows = batch_intents(tenant=tenant, integration=integration, batch_id=batch_id)
    if not rows:
        return None
    summary = [{"stream": r.stream, "batch": r.batch, "state": r.state, "n": 1, "first": r.source_id,
                "last": r.source_id, "sent": r.sent_at, "settled": r.settled_at, "target": r.target_id,
                "status": r.error_status, "message": r.error_message} for r in rows]
    [batch] = _batches(summary).values()
    batch.source_ids = [r.source_id for r in rows]
    batch.rows_hash = rows_hash(as_intents(rows))
    batch.replays = list(AuditRecord.objects.filter(tenant=tenant, integration=integration,
                                                    action=AuditRecord.Action.REPLAY, source_ref=batch_ref(batch_id)))
    return batch
