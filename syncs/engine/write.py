"""Writing a page's intents: reconcile the unknown, send the rest, settle everything in one transaction.

Pages are pipelined: page N+1's calls go out (its intents committed and marked `sent` first, as always)
before page N is settled, so the threads have work while the run thread settles, plans and reads. Pages
settle in order, and a page's cursor moves only in its own settle transaction, once all its intents are
settled; a page that cannot settle stops the run, and the page started behind it is settled without its
cursor. A page is not started while the one in flight has a record of the same stream and source id (or
is of another stream): it waits until that page has settled, so a record's second write is planned
against the first one's outcome.

Threads only talk HTTP (the stream's reconcile/write calls, paced by the shared rate limiter inside the
vendor client); every database statement runs on the calling thread. At most `in_flight` calls are
outstanding per run (`SYNC_WRITES_IN_FLIGHT`, or the integration's `writes_in_flight` option).

The run stops (and Celery retries it) only when the destination is really down: `DOWN_AFTER` transient
failures in a row, or a 429 whose Retry-After is too long for the client to sleep through. Calls not
started by then stay `pending`; unknown outcomes stay `sent` and are reconciled by the next attempt.

How a call's outcome is classified, and how a page settles: `syncs/engine/settle.py`; how writes of unknown
outcome are looked up before a page is sent and after its calls are back: `syncs/engine/reconcile.py`.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from connections.vendors.errors import VendorError, VendorRateLimited
from syncs.engine.ledger import Book, Ledger
from syncs.engine.plan import PagePlan, PlannedWrite, intents_record
from syncs.engine.read import source_id_of
from syncs.engine.reconcile import earlier_attempts_reconcile, unknown_outcomes_settle
from syncs.engine.settle import NotSent, Outcome, outcomes_of, page_settle
from syncs.flows.base import NotReconcilable, Stream
from syncs.locks import LeaseLost, run_heartbeat
from syncs.models import Cursor, WriteIntent

logger = logging.getLogger(__name__)
S = WriteIntent.State
HEARTBEAT_SECONDS = 15
# Transient failures in a row that mean the destination is down (one 5xx in 20 is weather, not an outage).
DOWN_AFTER = 3


@dataclass
class PageInFlight:
    """A page whose calls went out and that is not settled yet."""
    plan: PagePlan
    book: Book
    cursor: Cursor | None
    value: dict | None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    prior: dict[int, Outcome] = field(default_factory=dict)
    jobs: list[tuple[list[PlannedWrite], Future]] = field(default_factory=list)
    sent: list[PlannedWrite] = field(default_factory=list)

    @property
    def source_ids(self) -> set[str]:
        return {w.intent.source_id for w in self.plan.writes}


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
        self._page: PageInFlight | None = None  # started, not settled yet
        self.settled = 0  # pages settled so far (each settle also beats the run's heartbeat)

    def close(self) -> None:
        self._halt.set()  # nothing queued is started any more; calls already running finish
        self.pool.shutdown(wait=True)

    def submit(self, fn, argument) -> Future:
        """Queue one HTTP call of the run (a write or a lookup) on the pool."""
        return self.pool.submit(self._call, fn, argument)

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

    def gather(self, futures: list[Future]) -> None:
        """Wait for every call in flight (none is abandoned half-way), telling the reaper we are alive when
        the wait is long (the run thread beats after every page anyway)."""
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=HEARTBEAT_SECONDS)
            if pending:
                run_heartbeat(run_id=self.run.pk)

    # --- the pipeline ------------------------------------------------------------------------------
    @contextmanager
    def pipeline(self):
        """Around a run's work: the last page is settled at the end, and when the work fails, the page in
        flight is still settled (its calls went out) before the error goes on. Not after a lost lease:
        another process owns the run then, and reconciles what this one left `sent`."""
        try:
            yield self
        except LeaseLost:
            self._halt.set()
            self._page = None
            raise
        except BaseException:
            try:
                self.drain()
            except Exception:  # the first error is the run's; this one is logged
                logger.exception("Run %s: the page in flight could not be settled after the run failed.",
                                 self.run.pk)
            raise
        self.drain()

    def before_plan(self, stream: Stream, records: list) -> None:
        """Settle the page in flight first if the next one shares a record with it (its second write must
        be planned against the first one's outcome) or belongs to another stream."""
        page = self._page
        if page is None:
            return
        if page.plan.stream is not stream or self._halt.is_set():
            self.drain()
            return
        ids = page.source_ids
        for record in records:
            try:
                if source_id_of(stream, record) in ids:
                    self.drain()
                    return
            except Exception:  # a record without a usable id is quarantined by the planner
                continue

    def drain(self) -> None:
        """Settle the page in flight, if any."""
        page, self._page = self._page, None
        if page is not None:
            self._finish(page, move_cursor=True)

    def write_page(self, plan: PagePlan, *, cursor: Cursor | None, value: dict | None) -> None:
        """Start this page's calls, then settle the page before it. Raises the first error that must stop
        the run, after settling what can be; the cursor then stays where it was (a page advances only when
        every intent of it is settled, and only after the pages before it)."""
        if self._page is None:
            self._halt.clear()
            self._failures = 0
        page = PageInFlight(plan=plan, book=self.ledger.book, cursor=cursor, value=value)
        if plan.writes:
            earlier_attempts_reconcile(self, plan, page.outcomes, page.prior)
            page.sent = self._send(plan, page.outcomes, page.jobs)
        previous, self._page = self._page, page
        if previous is None:
            return
        try:
            self._finish(previous, move_cursor=True)
        except BaseException:
            self._page = None
            try:
                self._finish(page, move_cursor=False)  # its calls are out: settle them; the cursor stays
            except Exception:
                pass  # the same stop, or a later one: the earlier page's error is the run's
            raise

    def _finish(self, page: PageInFlight, *, move_cursor: bool) -> None:
        plan, outcomes = page.plan, page.outcomes
        self.gather([f for _, f in page.jobs])
        size = max(1, int(plan.stream.batch_size))
        for batch, future in page.jobs:
            outcomes_of(batch, future, outcomes, single=size == 1)
        if page.sent and not self._halt.is_set():
            unknown_outcomes_settle(self, plan.stream, page.sent, outcomes)
        unsettled = [o for o in outcomes.values() if o.state in (S.SENT, S.PENDING) and not o.deferred]
        stop = None
        if unsettled:  # the run stops, and the page's cursor stays, until every intent of the page is settled
            stop = next((o.error for o in unsettled + list(outcomes.values()) if o.error), None) or \
                RuntimeError("writes of this page were left unsettled")
        keep = stop is not None or self.run.dry_run or not move_cursor
        with transaction.atomic():
            if self.lease is not None:
                self.lease.renew()  # LeaseLost rolls this settle back: the new owner reconciles these writes
            with self.ledger.booking_to(page.book):
                page_settle(self.ledger, plan, outcomes, page.prior)
            self.ledger.flush(book=page.book, cursor=None if keep else page.cursor, value=page.value, beat=True)
        self.settled += 1
        self.deferred += [(w.row, w.intent.record) for w in plan.writes
                          if outcomes.get(w.intent.key, Outcome(S.SENT)).deferred]
        if stop is not None:
            raise stop

    def _send(self, plan: PagePlan, outcomes: dict[str, Outcome], jobs: list) -> list[PlannedWrite]:
        """Record the page's intents (those to send as `sent`) and queue their calls (into `jobs`); returns
        those queued."""
        stream = plan.stream
        ready = [w for w in plan.writes if w.intent.key not in outcomes]
        size = max(1, int(stream.batch_size))
        batches = [ready[i:i + size] for i in range(0, len(ready), size)]
        for batch in batches if size > 1 else ():  # the batch id the destination rows will carry
            batch_id = hashlib.sha256("".join(w.intent.key for w in batch).encode()).hexdigest()[:32]
            for w in batch:
                w.intent.batch = batch_id
        intents_record(plan, ready, run=self.run, lease=self.lease)  # the page's intents, `sent` before any call
        if size == 1:
            jobs += [(batch, self.submit(stream.write_intent, batch[0].intent)) for batch in batches]
        else:
            jobs += [(batch, self.submit(stream.write_batch, [w.intent for w in batch])) for batch in batches]
        return ready
