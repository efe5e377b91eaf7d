"""A run: its lease, its streams page by page, and its outcome, finished in one place.

    lease → (held records whose mapping now exists) → for each stream: for each page:
        plan (map, hold/skip, intents committed) → write (reconcile, send, settle + cursor, one transaction)
    → outcome (status, error, counts) through run_finish
"""
from __future__ import annotations

import logging
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from connections.vendors.errors import VendorError
from mlconnector.logs import log_context
from notifications.hooks import run_finished
from syncs.engine.ledger import A, O, Ledger
from syncs.engine.orphans import deferred_settle, orphans_due, orphans_settle
from syncs.engine.plan import Planner
from syncs.engine.read import chunks_by_source, flow_context, flow_streams, mapping_set_load, pages_ahead
from syncs.engine.write import Writer
from syncs.flows.base import FlowContext, Stream
from syncs.errors import RunSkipped, run_outcome_save
from syncs.locks import LeaseLost, lease_kept_alive, lock_acquire, run_heartbeat
from syncs.models import Cursor, Integration, PendingRecord, SyncRun

logger = logging.getLogger(__name__)


class RunHandedBack(Exception):
    """The worker is stopping: the run stopped between pages and goes back to the queue."""


class RunState:
    """What one run's work needs: its streams, bookkeeping, planner, writer and lease."""

    def __init__(self, *, run: SyncRun, streams: list[Stream], lease, writer: Writer, ledger: Ledger):
        self.run, self.streams, self.lease, self.writer, self.ledger = run, streams, lease, writer, ledger
        self.mappings = mapping_set_load(integration=run.integration)
        self.planner = Planner(ledger=ledger, mappings=self.mappings)

    def stream(self, name: str) -> Stream | None:
        return next((s for s in self.streams if s.name == name), None)

    def process(self, stream: Stream, records: list, *, cursor: Cursor | None = None,
                value: dict | None = None) -> None:
        """Plan and write one page; the cursor moves with its last chunk, once every intent is settled."""
        self.lease.renew()  # LeaseLost: another process runs the integration now, so nothing more is sent
        settled = self.writer.settled
        chunks = chunks_by_source(stream, records)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            self.writer.before_plan(stream, chunk)  # a record still in flight is planned after it settled
            plan = self.planner.plan(stream, chunk)
            self.writer.write_page(plan, cursor=cursor if last else None, value=value if last else None)
        if self.writer.settled == settled:  # a settle beats in its own transaction (and renews the lease)
            run_heartbeat(run_id=self.run.pk)
        deferred_settle(self, wait=False)  # writes of earlier pages whose lookup is due by now


@transaction.atomic
def sync_run_create(*, integration: Integration, trigger: str = SyncRun.Trigger.MANUAL,
                    dry_run: bool = False) -> SyncRun:
    # The integration's row is locked while its next run number is taken, so two runs queued at once
    # (schedule and "Run now") cannot both be #7; SQLite serialises writers anyway.
    Integration.objects.select_for_update().filter(pk=integration.pk).values_list("pk").first()
    last = SyncRun.objects.filter(integration=integration).aggregate(n=Max("number"))["n"] or 0
    return SyncRun.objects.create(tenant=integration.tenant, integration=integration, trigger=trigger,
                                  dry_run=dry_run, number=last + 1)


def sync_run_execute(*, run: SyncRun, streams: list[Stream] | None = None, release_held: bool = True,
                     limit: int | None = None, should_stop: Callable[[], bool] | None = None,
                     from_start: bool = False) -> SyncRun:
    """Run one sync. Transient vendor errors are re-raised after recording (the task retries).

    `limit` (dry runs only) stops each stream after its first `limit` records: a preview. A real run
    never stops mid-page, because its cursor would then skip the rest of the page. `from_start` (dry runs
    only) reads each stream as a first sync would, ignoring its cursor: what a changed mapping does to records
    already written.
    `should_stop` is asked after every settled page; when it says yes (the worker is shutting down) the run
    ends QUEUED, its cursor saved, for the caller to queue again.
    """
    if (limit is not None or from_start) and not run.dry_run:
        raise ValueError("Only a dry run can be limited to its first records or read from the start.")

    def work(state: RunState) -> None:
        if release_held and not run.dry_run:
            _release_releasable(state)
        if not run.dry_run:  # unknown outcomes no page brings back: deferred past due, or left long ago
            orphans_settle(state, orphans_due(integration=run.integration, streams=state.streams))
        for stream in state.streams:
            cursor, _ = Cursor.objects.get_or_create(integration=run.integration, stream=stream.name)
            left = limit
            pages = stream.fetch({} if from_start else dict(cursor.value or {}))
            if stream.read_ahead and limit is None:  # a preview reads nothing more
                pages = pages_ahead(iter(pages))
            try:
                for page in pages:
                    records = page.records if left is None else page.records[:left]
                    state.process(stream, records, cursor=cursor, value=page.cursor)
                    if should_stop is not None and should_stop():
                        raise RunHandedBack(f"Run {run.pk} stopped after a saved page: its worker is shutting down.")
                    if left is not None:
                        left -= len(records)
                        if left <= 0:
                            break
            finally:
                getattr(pages, "close", lambda: None)()
            notes = stream.notes()
            if notes:
                state.ledger.audit(stream.name, "", A.SKIP, O.OK, reason=" ".join(notes))

    return sync_run_work(run=run, work=work, streams=streams)


def records_process(*, run: SyncRun, stream_name: str, records: list[dict],
                    streams: list[Stream] | None = None) -> dict:
    """Run given records (fetched for a webhook, released, replayed) through plan → intents → write, as one
    run, without touching the stream's cursor. Returns the run's counts."""

    def work(state: RunState) -> None:
        stream = state.stream(stream_name)
        if stream is None:
            raise LookupError(f"This integration has no stream {stream_name!r}.")
        state.process(stream, list(records))

    run = sync_run_work(run=run, work=work, streams=streams)
    return {key: getattr(run, key) for key in ("read", "created", "updated", "unchanged", "held", "failed")}


def pending_process(*, run: SyncRun, pending: list[PendingRecord], streams: list[Stream] | None = None) -> SyncRun:
    """Push stored held/failed records through the same path as a normal run (release and replay)."""

    def work(state: RunState) -> None:
        _pending_push(state, pending)

    return sync_run_work(run=run, work=work, streams=streams)


def _pending_push(state: RunState, pending: list[PendingRecord]) -> None:
    by_stream: dict[str, list] = {}
    for item in pending:
        by_stream.setdefault(item.stream, []).append(item.payload)
    for name, records in by_stream.items():
        stream = state.stream(name)
        if stream is not None:
            state.process(stream, records)


def _release_releasable(state: RunState) -> None:
    """Held records whose mapping exists by now are written at the start of the next run."""
    held = PendingRecord.objects.filter(integration=state.run.integration, status=PendingRecord.Status.HELD,
                                        stream__in=[s.name for s in state.streams]).exclude(missing_key="")
    values = state.mappings.values
    releasable = [p for p in held.iterator()
                  if p.missing_key.partition(":")[2] in values.get(p.missing_key.partition(":")[0], {})]
    _pending_push(state, releasable)


def sync_run_work(*, run: SyncRun, work: Callable[[RunState], None], streams: list[Stream] | None = None) -> SyncRun:
    """Lease, run `work` (it calls `state.process(stream, records)`), record the outcome. Shared by scheduled
    runs, webhook runs (which fetch the records they were told of under the lease), releases and replays."""
    integration = run.integration
    with log_context(tenant_id=run.tenant_id, integration_id=integration.pk, run_id=run.pk,
                     source_connection_id=integration.source_id,
                     destination_connection_id=integration.destination_id):
        return _run_work(run=run, work=work, streams=streams)


def _run_work(*, run: SyncRun, work: Callable[[RunState], None], streams: list[Stream] | None) -> SyncRun:
    integration = run.integration
    started = timezone.now()
    # The lease and RUNNING in one transaction: a worker killed in between leaves neither, never a QUEUED run
    # holding a lease (the reaper would only see that once the lease is stale: syncs/reaper.py).
    with transaction.atomic():
        lease = lock_acquire(integration_id=integration.pk, run_id=run.pk)
        if lease is not None:
            # The options as they are now the lease is ours, not as they were when the run was loaded: a board
            # changed while this run waited for the lease (syncs/services.py `integration_change`, which clears
            # the moved streams' id maps under this same lease) must not be written with the old board's layout.
            integration.refresh_from_db(fields=["options", "streams"])
            # started_at is this attempt's start: the reaper asks whether a page was saved since.
            SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, started_at=started,
                                                     heartbeat_at=started)
    if lease is None:
        run_finish(run=run, status=SyncRun.Status.SKIPPED,
                   error=RunSkipped("Another run of this integration is in progress; this one was skipped."))
        return run
    run.status = SyncRun.Status.RUNNING
    ledger = Ledger(run=run)
    in_flight = int((integration.options or {}).get("writes_in_flight") or settings.SYNC_WRITES_IN_FLIGHT)
    writer = Writer(ledger=ledger, in_flight=in_flight)
    ctx = None
    try:
        if streams is None:
            ctx = flow_context(integration=integration, started_at=started)
            streams = flow_streams(integration=integration, ctx=ctx)
        else:
            for stream in streams:  # streams built by a caller still date their watermark from this run
                stream.ctx.started_at = stream.ctx.started_at or started
        for stream in streams:
            stream.ctx.dry_run = run.dry_run  # a preview sets up nothing at the destination either
        state = RunState(run=run, streams=streams, lease=lease, writer=writer, ledger=ledger)
        writer.lease = lease
        with lease_kept_alive(lease=lease, run_id=run.pk):
            with writer.pipeline():  # the last page settles on exit
                work(state)
            deferred_settle(state, wait=True)
        with transaction.atomic():
            ledger.flush()
        counts = ledger.counts
        problem = next((p for p in (s.problem() for s in streams) if p is not None), None)
        status = SyncRun.Status.PARTIAL if counts["held"] or counts["failed"] or problem else SyncRun.Status.SUCCEEDED
        run_finish(run=run, status=status, error=problem, http_calls=_calls(ctx, streams))
    except RunHandedBack as handed_back:
        with transaction.atomic():
            ledger.flush()
        SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.QUEUED)
        logger.info("%s", handed_back)
    except LeaseLost:
        # Another process runs this integration now (this run was declared dead and resumed, or its task was
        # redelivered): it owns the run's outcome, so nothing more is written here.
        logger.warning("Run %s stopped: its lease was taken over.", run.pk)
        run.refresh_from_db()
        return run
    except BaseException as error:
        with transaction.atomic():
            ledger.flush()
        transient = isinstance(error, VendorError) and error.transient
        run_finish(run=run, status=SyncRun.Status.FAILED, error=error, http_calls=_calls(ctx, streams),
                   notify=not transient and isinstance(error, Exception))
        if transient or not isinstance(error, VendorError):
            raise
    finally:
        writer.close()
        lease.release()
    run.refresh_from_db()
    return run


def _calls(ctx: FlowContext | None, streams) -> int:
    clients = [ctx.source, ctx.destination] if ctx else list({id(c): c for s in streams or []
                                                              for c in (s.source, s.destination)}.values())
    return sum(getattr(c, "calls", 0) for c in clients)


def run_finish(*, run: SyncRun, status: str, error: BaseException | None = None, http_calls: int = 0,
               notify: bool = True) -> None:
    """The one way a run ends: status, the error as columns (syncs/errors.py), finish time, calls; then the
    notification."""
    fields = run_outcome_save(run_id=run.pk, status=status, error=error, http_calls=http_calls)
    logger.info("Run %s ended %s after %s vendor calls.", run.pk, status, http_calls)
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    if notify:  # a transient failure is told by sync_run_task, once Celery stops retrying it
        run_finished(run_id=run.pk, integration_id=run.integration_id, status=status, dry_run=run.dry_run)
