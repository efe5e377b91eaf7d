"""Settling a page's calls: each outcome classified, then intent state, id map, pending records and audit
rows written in the page's one transaction (`page_settle`, called by `write.py`).

How an attempt's outcome is classified:
* returned a target id → confirmed;
* a permanent vendor error (400/403/404/422) → failed: the vendor refused it, nothing was applied;
* rate limited (429) → not applied: back to pending, and the run stops to wait;
* a crash in our own code → unknown: the intent stays `sent`, the run stops (as a dead worker's would),
  and the next attempt reconciles it before writing anything;
* a transient vendor error (timeout, 5xx, connection lost) → unknown, reconciled in the run,
  once the page's calls are back: a create is looked up by its key (found → confirmed; proven absent →
  sent once more; the lookup failing too → left `sent` for the next attempt), an update (a PUT to a known
  target, idempotent) is sent once more. The run goes on with the rest of the page.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from django.utils import timezone

from connections.vendors.errors import VendorError, VendorRateLimited
from syncs.engine.ledger import A, O, Ledger
from syncs.engine.plan import PagePlan, PlannedWrite
from syncs.engine.rows import instances_update
from syncs.flows.base import Intent
from syncs.models import VENDOR_ID_LENGTH, WriteIntent

S = WriteIntent.State
# A write that crashes our own code this many times is failed (for a person), not retried forever.
MAX_UNKNOWN_ATTEMPTS = 3


class NotSent(Exception):
    """A queued call that was not started because an earlier one of the page must stop the run."""


@dataclass
class Outcome:
    state: str  # a WriteIntent state: confirmed, failed, held, sent (unknown), pending (not applied)
    target_id: str = ""
    error: BaseException | None = None
    reconciled: bool = False
    deferred: bool = False  # unknown, looked up only once the stream's reconcile_after_seconds have passed


# The settled fields of a page's intents, saved as one prepared UPDATE run for every row (by key: a new
# intent's row was inserted without reading its id back). Not `bulk_update`: its CASE WHEN per field and
# row was more than half of the engine's time per record (benchmarks/README.md).
SETTLED_FIELDS = ("state", "target_id", "batch", "last_run", "error_class", "error_status", "error_message",
                  "settled_at")


def intents_save(rows: list[WriteIntent]) -> None:
    instances_update(rows, SETTLED_FIELDS, by="key")


def missing_reference(stream, error, intent: Intent) -> str | None:
    """The stream's word on a refusal: a value missing at the destination (held) rather than a failure."""
    if not isinstance(error, VendorError) or error.transient:
        return None
    try:
        return stream.missing_reference(error, intent)
    except Exception:  # the check itself failed (the destination's lists unreadable): a plain failure then
        return None


def outcomes_of(batch: list[PlannedWrite], future: Future, outcomes: dict[str, Outcome], *,
                single: bool) -> None:
    """The outcome of each write of a call (one intent, or a batch's) from its finished future."""
    try:
        result = future.result()
        targets = [result] if single else list(result)
        if len(targets) != len(batch):
            raise RuntimeError(f"write_batch returned {len(targets)} ids for {len(batch)} records")
    except Exception as exc:
        for w in batch:
            outcomes[w.intent.key] = classify(w, exc)
        return
    for w, target in zip(batch, targets):
        target = str(target)
        if len(target) > VENDOR_ID_LENGTH:
            outcomes[w.intent.key] = Outcome(S.FAILED, error=ValueError(
                f"the destination answered with an id of {len(target)} characters; ids are at most "
                f"{VENDOR_ID_LENGTH}"))
        else:
            outcomes[w.intent.key] = Outcome(S.CONFIRMED, target)


def classify(write: PlannedWrite, exc: BaseException) -> Outcome:
    """A failed call's outcome (see the module's docstring)."""
    if isinstance(exc, NotSent):
        return Outcome(S.PENDING)  # never started: the next attempt sends it without a lookup
    if isinstance(exc, VendorRateLimited):
        return Outcome(S.PENDING, error=exc)  # a 429 was not processed
    if isinstance(exc, VendorError) and not exc.transient:
        return Outcome(S.FAILED, error=exc)  # refused: nothing applied
    if not isinstance(exc, VendorError) and write.row.attempts >= MAX_UNKNOWN_ATTEMPTS:  # counted when sent
        return Outcome(S.FAILED, error=exc)  # our own code keeps crashing on this record: for a person
    return Outcome(S.SENT, error=exc)  # unknown: reconciled before any resend


# --- settling: intent state, id map, pending records and audit, in the page's transaction ------------
def page_settle(ledger: Ledger, plan: PagePlan, outcomes: dict[str, Outcome], prior: dict[int, Outcome]) -> None:
    name, now = plan.stream.name, timezone.now()
    rows: list[WriteIntent] = []
    id_map = list(plan.confirmed)
    resolved = set(plan.resolved)
    for write in plan.writes:
        outcome = outcomes.get(write.intent.key)
        if outcome is None:
            continue
        row, intent = write.row, write.intent
        row.state, row.last_run_id = outcome.state, ledger.run.pk
        row.batch = intent.batch
        error = outcome.error
        row.error_class = type(error).__name__ if error else ""
        row.error_status = getattr(error, "status", None) if error else None
        row.error_message = str(error)[:2000] if error else ""
        if outcome.state == S.CONFIRMED:
            row.target_id, row.settled_at = outcome.target_id, now
            id_map.append((intent.source_id, outcome.target_id, write.digest))
            resolved.add(intent.source_id)
            ledger.counts["created" if write.action == A.CREATE else "updated"] += 1
            reason = "found at the destination by reconciliation: not sent again" if outcome.reconciled else \
                intent.note
            ledger.audit(name, intent.source_id, write.action, O.OK, target_id=outcome.target_id, reason=reason,
                         mapping=write.used, payload=intent.mapped)
        elif outcome.state == S.FAILED:
            row.settled_at = now
            missing = missing_reference(plan.stream, error, intent)
            if missing:  # refused for a value the destination lacks: the record waits for it (held)
                ledger.hold_refused(name, intent.source_id, intent.record, error, missing, mapping=write.used)
            else:
                ledger.fail(name, intent.source_id, intent.record, str(error), mapping=write.used, error=error)
        elif outcome.state == S.HELD:
            row.settled_at = now
            ledger.hold(name, intent.source_id, intent.record,
                        f"An earlier write may have reached the destination, which cannot be searched for it "
                        f"({error}); check the destination before releasing it.", mapping=write.used)
        rows.append(row)
    intents_save(rows)
    settled = [w for w in plan.writes if outcomes.get(w.intent.key, Outcome(S.SENT)).state
               in (S.CONFIRMED, S.FAILED, S.HELD)]
    _earlier_settle(settled, prior, now)
    ledger.id_map_save(name, id_map)
    ledger.pending_resolve(name, resolved & plan.pending)  # no statement when the page had none


def _earlier_settle(settled: list[PlannedWrite], prior: dict[int, Outcome], now) -> None:
    """Earlier attempts of a settled record: confirmed if found, otherwise not applied (superseded)."""
    for write in settled:
        for earlier in write.unknown + write.superseded:
            if earlier.key == write.row.key:
                continue
            outcome = prior.get(earlier.pk, Outcome(S.FAILED))
            WriteIntent.objects.filter(pk=earlier.pk).update(
                state=outcome.state if outcome.state != S.SENT else S.FAILED, settled_at=now,
                target_id=outcome.target_id, error_message="" if outcome.state == S.CONFIRMED else
                "superseded by a later write of the same record; not applied")
