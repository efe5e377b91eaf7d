"""Writing a page's intents: reconcile the unknown, send the rest, settle everything in one transaction.

Threads only talk HTTP (the stream's reconcile/write calls, paced by the shared rate limiter inside the
vendor client); every database statement runs on the calling thread. At most `in_flight` calls are
outstanding per run (`SYNC_WRITES_IN_FLIGHT`, or the integration's `writes_in_flight` option).

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

The run stops (and Celery retries it) only when the destination is really down: `DOWN_AFTER` transient
failures in a row, or a 429 whose Retry-After is too long for the client to sleep through. Calls not
started by then stay `pending`; unknown outcomes stay `sent` and are reconciled by the next attempt.
"""
from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from connections.vendors.errors import VendorError, VendorRateLimited
from syncs.engine.ledger import A, O, Ledger
from syncs.engine.plan import PagePlan, PlannedWrite
from syncs.flows.base import Intent, NotReconcilable, WriteMode
from syncs.locks import run_heartbeat
from syncs.models import VENDOR_ID_LENGTH, Cursor, WriteIntent

S = WriteIntent.State
HEARTBEAT_SECONDS = 15
# A write that crashes our own code this many times is failed (for a person), not retried forever.
MAX_UNKNOWN_ATTEMPTS = 3
# Transient failures in a row that mean the destination is down (one 5xx in 20 is weather, not an outage).
DOWN_AFTER = 3


class NotSent(Exception):
    """A queued call that was not started because an earlier one of the page must stop the run."""


@dataclass
class Outcome:
    state: str  # a WriteIntent state: confirmed, failed, held, sent (unknown), pending (not applied)
    target_id: str = ""
    error: BaseException | None = None
    reconciled: bool = False
    deferred: bool = False  # unknown, looked up only once the stream's reconcile_after_seconds have passed


SETTLED_FIELDS = ("state", "target_id", "batch", "last_run", "error_class", "error_status", "error_message",
                  "settled_at")


def intents_save(rows: list[WriteIntent]) -> None:
    """The settled fields of a page's intents, as one prepared UPDATE run for every row.

    Not `bulk_update`: it builds a CASE WHEN per field and row, whose expression resolution was more than
    half of the engine's time per record (the benchmark's profile); each row's values differ (target id),
    so a plain `update()` cannot group them either."""
    if not rows:
        return
    meta = WriteIntent._meta
    fields = [meta.get_field(name) for name in SETTLED_FIELDS]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(meta.pk.column)} = %s")
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def missing_reference(stream, error, intent: Intent) -> str | None:
    """The stream's word on a refusal: a value missing at the destination (held) rather than a failure."""
    if not isinstance(error, VendorError) or error.transient:
        return None
    try:
        return stream.missing_reference(error, intent)
    except Exception:  # the check itself failed (the destination's lists unreadable): a plain failure then
        return None


def _wait_until_searchable(stream, earlier: list[WriteIntent]) -> None:
    """A record planned again soon after its write timed out (a webhook repeat, the next chunk): its lookup
    waits out the stream's `reconcile_after_seconds`, so a write the destination applies late is found."""
    if stream.reconcile_after_seconds <= 0 or not earlier:
        return
    sent = max((p.sent_at or p.created_at) for p in earlier)
    seconds = (sent - timezone.now()).total_seconds() + stream.reconcile_after_seconds
    if seconds > 0:
        time.sleep(min(seconds, stream.reconcile_after_seconds))


def _as_intent(row: WriteIntent) -> Intent:
    return Intent(key=row.key, source_id=row.source_id, mapped=row.payload, record=None,
                  target_id=row.target_id or None, batch=row.batch)


class Writer:
    def __init__(self, *, ledger: Ledger, in_flight: int):
        self.ledger = ledger
        self.run = ledger.run
        self.pool = ThreadPoolExecutor(max_workers=max(1, in_flight), thread_name_prefix=f"run{self.run.pk}-write")
        self._halt = threading.Event()  # set by a call that stops the run: queued calls are then not started
        self._lock = threading.Lock()
        self._failures = 0  # transient failures in a row, across the run's threads
        self.lease = None  # renewed inside every settle transaction: a lost lease rolls the settle back
        self.deferred: list[tuple[WriteIntent, object]] = []  # (row, source record), for syncs/engine/orphans.py

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def _call(self, fn, argument):
        """Runs on a pool thread: HTTP only, never the database."""
        if self._halt.is_set():
            raise NotSent("not sent: an earlier call of this page stopped the run")
        try:
            result = fn(argument)
        except Exception as exc:
            refused = isinstance(exc, NotReconcilable) or (isinstance(exc, VendorError) and not exc.transient)
            if not refused:
                with self._lock:
                    self._failures += 1
                    down = self._failures >= DOWN_AFTER
                # A 429 reaching us had a Retry-After too long to sleep through: the run waits for Celery. A
                # crash in our own code is no weather either: it stops the run as a dead worker would.
                if down or isinstance(exc, VendorRateLimited) or not isinstance(exc, VendorError):
                    self._halt.set()  # the destination is down or rate limiting: don't send the rest
            raise
        with self._lock:
            self._failures = 0
        return result

    def _gather(self, futures: list[Future]) -> None:
        """Wait for every call in flight (none is abandoned half-way), telling the reaper we are alive."""
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=HEARTBEAT_SECONDS)
            run_heartbeat(run_id=self.run.pk)

    # --- the page ------------------------------------------------------------------------------
    def write_page(self, plan: PagePlan, *, cursor: Cursor | None, value: dict | None) -> None:
        """Reconcile, send, settle. Raises the first error that must stop the run, after settling the rest;
        the cursor then stays where it was (a page advances only when every intent of it is settled)."""
        outcomes: dict[str, Outcome] = {}
        prior: dict[int, Outcome] = {}
        self._halt.clear()
        if plan.writes:
            self._reconcile(plan, outcomes, prior)
            sent = self._send(plan, outcomes)
            if sent and not self._halt.is_set():
                self._settle_unknown(plan.stream, sent, outcomes)
        unsettled = [o for o in outcomes.values() if o.state in (S.SENT, S.PENDING) and not o.deferred]
        stop = None
        if unsettled:  # the run stops, and the page's cursor stays, until every intent of the page is settled
            stop = next((o.error for o in unsettled + list(outcomes.values()) if o.error), None) or \
                RuntimeError("writes of this page were left unsettled")
        with transaction.atomic():
            if self.lease is not None:
                self.lease.renew()  # LeaseLost rolls this settle back: the new owner reconciles these writes
            self._settle(plan, outcomes, prior)
            self.ledger.flush(cursor=None if stop or self.run.dry_run else cursor, value=value)
        self.deferred += [(w.row, w.intent.record) for w in plan.writes
                          if outcomes.get(w.intent.key, Outcome(S.SENT)).deferred]
        if stop is not None:
            raise stop

    def _reconcile(self, plan: PagePlan, outcomes: dict[str, Outcome], prior: dict[int, Outcome]) -> None:
        """Look up every earlier attempt whose outcome is unknown, before anything is sent again."""
        stream = plan.stream
        _wait_until_searchable(stream, [p for w in plan.writes for p in w.unknown])
        jobs = [(w, p, self.pool.submit(self._call, stream.reconcile, _as_intent(p))) for w in plan.writes for p in w.unknown]
        self._gather([f for _, _, f in jobs])
        for write, earlier, future in jobs:
            try:
                found = future.result()
            except NotReconcilable as exc:
                prior[earlier.pk] = Outcome(S.HELD, error=exc)
                outcomes[write.intent.key] = Outcome(S.HELD, error=exc)
                continue
            except Exception as exc:  # the lookup itself failed: still unknown, nothing sent; next run tries again
                outcomes.setdefault(write.intent.key, Outcome(write.row.state, error=exc))
                continue
            if found is None:
                prior[earlier.pk] = Outcome(S.FAILED, error=RuntimeError("not found at the destination"))
            elif earlier.key == write.intent.key:  # this very write reached the destination: confirm, don't resend
                prior[earlier.pk] = outcomes[write.intent.key] = Outcome(S.CONFIRMED, str(found), reconciled=True)
            else:  # an earlier version reached it: this one updates that record
                prior[earlier.pk] = Outcome(S.CONFIRMED, str(found), reconciled=True)
                write.intent.target_id = str(found)

    def _send(self, plan: PagePlan, outcomes: dict[str, Outcome]) -> list[PlannedWrite]:
        """Mark and send the page's writes; returns those sent."""
        stream = plan.stream
        ready = [w for w in plan.writes if w.intent.key not in outcomes]
        if not ready:
            return []
        size = max(1, int(stream.batch_size))
        batches = [ready[i:i + size] for i in range(0, len(ready), size)]
        now = timezone.now()
        # The mark that makes a crash from here on an unknown outcome: one statement for the page (one per
        # batch for batched streams, which also record the batch id the destination rows will carry).
        marks = [([w.intent.key for w in ready], "")] if size == 1 else []
        for batch in batches if size > 1 else ():
            batch_id = hashlib.sha256("".join(w.intent.key for w in batch).encode()).hexdigest()[:32]
            for w in batch:
                w.intent.batch = batch_id
            marks.append(([w.intent.key for w in batch], batch_id))
        for keys, batch_id in marks:
            WriteIntent.objects.filter(key__in=keys).update(state=S.SENT, attempts=F("attempts") + 1, sent_at=now,
                                                            last_run=self.run, batch=batch_id)
        if size == 1:
            jobs = [(batch, self.pool.submit(self._call, stream.write_intent, batch[0].intent)) for batch in batches]
        else:
            jobs = [(batch, self.pool.submit(self._call, stream.write_batch, [w.intent for w in batch]))
                    for batch in batches]
        self._gather([f for _, f in jobs])
        for batch, future in jobs:
            self._outcomes_of(batch, future, outcomes, single=size == 1)
        return ready

    def _outcomes_of(self, batch: list[PlannedWrite], future: Future, outcomes: dict[str, Outcome], *,
                     single: bool) -> None:
        try:
            result = future.result()
            targets = [result] if single else list(result)
            if len(targets) != len(batch):
                raise RuntimeError(f"write_batch returned {len(targets)} ids for {len(batch)} records")
        except Exception as exc:
            for w in batch:
                outcomes[w.intent.key] = self._classify(w, exc)
            return
        for w, target in zip(batch, targets):
            target = str(target)
            if len(target) > VENDOR_ID_LENGTH:
                outcomes[w.intent.key] = Outcome(S.FAILED, error=ValueError(
                    f"the destination answered with an id of {len(target)} characters; ids are at most "
                    f"{VENDOR_ID_LENGTH}"))
            else:
                outcomes[w.intent.key] = Outcome(S.CONFIRMED, target)

    def _settle_unknown(self, stream, sent: list[PlannedWrite], outcomes: dict[str, Outcome]) -> None:
        """Writes of this page whose outcome is unknown, settled now rather than by the next attempt.

        A create is sent again only after its lookup proved it absent; an update goes to a known target and
        is idempotent (a PUT), so it is sent again as it is. A batched stream's unknown batches wait for the
        next attempt, which reconciles them by their batch id."""
        unknown = [w for w in sent if outcomes[w.intent.key].state == S.SENT
                   and isinstance(outcomes[w.intent.key].error, VendorError)]
        if not unknown or stream.batch_size > 1:
            return
        creates = [w for w in unknown if not w.intent.target_id]
        if stream.reconcile_after_seconds > 0:  # a destination that applies late: not searched yet
            for w in creates:
                outcomes[w.intent.key].deferred = True
            creates = []
        lookups = [(w, self.pool.submit(self._call, stream.reconcile, w.intent)) for w in creates]
        self._gather([f for _, f in lookups])
        # Only an upsert's update is a plain PUT of the whole record; other modes' updates wait for the lookup
        # of the next attempt.
        again = [w for w in unknown if w.intent.target_id and stream.write_mode == WriteMode.UPSERT]
        for write, future in lookups:
            try:
                found = future.result()
            except NotReconcilable as exc:  # not searchable: a person checks before it is written again
                outcomes[write.intent.key] = Outcome(S.HELD, error=exc)
                continue
            except Exception:  # the lookup failed too: still unknown; the next attempt reconciles it
                continue
            if found is None:
                again.append(write)
            else:
                outcomes[write.intent.key] = Outcome(S.CONFIRMED, str(found), reconciled=True)
        if not again:
            return
        # Still `sent` in the table, so a crash from here is reconciled by the next attempt as before.
        WriteIntent.objects.filter(key__in=[w.intent.key for w in again]).update(
            attempts=F("attempts") + 1, sent_at=timezone.now())
        for w in again:
            w.row.attempts += 1
        jobs = [(w, self.pool.submit(self._call, stream.write_intent, w.intent)) for w in again]
        self._gather([f for _, f in jobs])
        for write, future in jobs:
            self._outcomes_of([write], future, outcomes, single=True)

    @staticmethod
    def _classify(write: PlannedWrite, exc: BaseException) -> Outcome:
        if isinstance(exc, NotSent):
            return Outcome(S.PENDING)  # never started: the next attempt sends it without a lookup
        if isinstance(exc, VendorRateLimited):
            return Outcome(S.PENDING, error=exc)  # a 429 was not processed
        if isinstance(exc, VendorError) and not exc.transient:
            return Outcome(S.FAILED, error=exc)  # refused: nothing applied
        if not isinstance(exc, VendorError) and write.row.attempts + 1 >= MAX_UNKNOWN_ATTEMPTS:
            return Outcome(S.FAILED, error=exc)  # our own code keeps crashing on this record: for a person
        return Outcome(S.SENT, error=exc)  # unknown: reconciled before any resend

    # --- settling: intent state, id map, pending records and audit, in the page's transaction ------------
    def _settle(self, plan: PagePlan, outcomes: dict[str, Outcome], prior: dict[int, Outcome]) -> None:
        ledger, name, now = self.ledger, plan.stream.name, timezone.now()
        rows: list[WriteIntent] = []
        id_map = list(plan.confirmed)
        resolved = set(plan.resolved)
        for write in plan.writes:
            outcome = outcomes.get(write.intent.key)
            if outcome is None:
                continue
            row, intent = write.row, write.intent
            row.state, row.last_run = outcome.state, self.run
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
        self._settle_earlier(settled, prior, now)
        ledger.id_map_save(name, id_map)
        ledger.pending_resolve(name, resolved)

    def _settle_earlier(self, settled: list[PlannedWrite], prior: dict[int, Outcome], now) -> None:
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
