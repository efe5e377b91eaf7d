"""The sync engine every flow shares: cursor, id map, holds, audit, lock.

    for each stream:  fetch page (from cursor) → for each record: map (pure) → hold / skip / write
                      → checkpoint: audit rows + cursor + counts in one transaction

A record is written only through the id map (upsert: create once, then update), so a
replay or a resumed run never duplicates; a record whose content hash matches what was
last written costs zero writes. Missing value mappings hold the record (never write it
wrong); bad input is quarantined; in both cases the run goes on.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_fields
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError
from notifications.hooks import run_finished
from syncs.errors import RunSkipped, error_fields, run_outcome_save
from syncs.flows import get_flow
from syncs.flows.base import FlowContext, Stream
from syncs.locks import LeaseLost, lease_kept_alive, lock_acquire, run_heartbeat
from syncs.mapping import FieldRule, InvalidRecord, MappingSet, MissingMapping, content_hash
from syncs.models import Cursor, FieldMapping, IdMap, Integration, PendingRecord, SyncRun, ValueMapping
from syncs.ratelimit import SharedRateLimiter

logger = logging.getLogger(__name__)
A, O = AuditRecord.Action, AuditRecord.Outcome
# Ordinary programming errors in a flow's map() on odd input are bad input, not crashes.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def mapping_set_load(*, integration: Integration) -> MappingSet:
    values: dict[str, dict[str, str]] = {}
    for row in ValueMapping.objects.filter(integration=integration).values("map_name", "source_value", "target_value"):
        values.setdefault(row["map_name"], {})[row["source_value"]] = row["target_value"]
    overrides: dict[str, dict[str, FieldRule]] = {}
    for row in FieldMapping.objects.filter(integration=integration):
        overrides.setdefault(row.stream, {})[row.target_field] = FieldRule(
            target=row.target_field, source=row.source_field, value_map=row.value_map, default=row.default or None)
    return MappingSet(values=values, overrides=overrides)


def flow_context(*, integration: Integration) -> FlowContext:
    def client(connection):
        vendor = get_vendor(connection.kind)
        limiter = SharedRateLimiter(f"{vendor.kind}:{connection.pk}",
                                    getattr(vendor.client_class, "rate_limits", ()))
        return vendor.client_for(connection, rate_limiter=limiter)

    return FlowContext(integration=integration, source=client(integration.source),
                       destination=client(integration.destination), options=dict(integration.options or {}))


def flow_streams(*, integration: Integration, ctx: FlowContext) -> list[Stream]:
    spec = get_flow(integration.flow_kind)
    module = importlib.import_module(spec.module_path)
    streams = module.build_streams(ctx)
    wanted = set(integration.streams or [])
    return [s for s in streams if not wanted or s.name in wanted]


@dataclass
class PageIndex:
    """Looked up once per page, so a record costs no queries of its own: its id map row, if any,
    and whether it has an unresolved pending row. Kept current as the page's records are processed."""

    stream: str
    id_map: dict[str, IdMap]
    unresolved: set[str]


@dataclass
class Outcome:
    action: str
    outcome: str
    target_id: str = ""
    reason: str = ""


class RecordProcessor:
    """Moves single records through map → hold/skip/write, keeping run counts and audit rows."""

    def __init__(self, *, run: SyncRun, mappings: MappingSet):
        self.run = run
        self.integration = run.integration
        self.tenant = run.integration.tenant
        self.mappings = mappings
        self.audits: list[AuditRecord] = []
        self.counts = dict(read=0, created=0, updated=0, unchanged=0, held=0, failed=0)
        self._saved_counts = dict(self.counts)
        self.lease = None
        self.page: PageIndex | None = None  # set by process_page while it runs

    # --- one record ------------------------------------------------------------------
    def process(self, stream: Stream, record) -> Outcome:
        self.counts["read"] += 1
        try:
            source_id = stream.source_id(record)
        except MALFORMED + (InvalidRecord,) as exc:
            return self._quarantine(stream, None, record, f"record has no usable id ({exc})")
        try:
            mapped = stream.map(record, self.mappings)
        except MissingMapping as missing:
            return self._hold(stream, source_id, record, missing)
        except InvalidRecord as exc:
            return self._quarantine(stream, source_id, record, str(exc))
        except MALFORMED as exc:
            return self._quarantine(stream, source_id, record, f"malformed record: {type(exc).__name__}: {exc}")

        rules = self.mappings.rules_for(stream.name, stream.rules)
        used = self.mappings.used(stream.name, rules)
        digest = content_hash(mapped)
        page = self._page_of(stream)
        existing = (page.id_map.get(source_id) if page else
                    IdMap.objects.filter(integration=self.integration, stream=stream.name, source_id=source_id).first())
        if existing and existing.content_hash == digest:
            self.counts["unchanged"] += 1
            self._audit(stream, source_id, A.SKIP, O.OK, target_id=existing.target_id, reason="unchanged since last write",
                        mapping=used)
            self._resolve(stream, source_id)
            return Outcome(A.SKIP, O.OK, existing.target_id)
        action = A.UPDATE if existing else A.CREATE
        if self.run.dry_run:
            self._audit(stream, source_id, action, O.DRY_RUN, target_id=existing.target_id if existing else "",
                        reason="dry run: would be written", mapping=used, payload=mapped)
            return Outcome(action, O.DRY_RUN)
        try:
            target_id = stream.write(mapped, existing.target_id if existing else None, record)
        except VendorError as error:
            if error.transient:
                raise  # the run stops here; the cursor still points at this page, so nothing is lost
            return self._fail(stream, source_id, record, error, used)
        with transaction.atomic():
            self._id_map_save(stream, source_id, str(target_id), digest)
            self._resolve(stream, source_id)
            AuditRecord.objects.create(**self._audit_fields(stream, source_id, action, O.OK, target_id=target_id,
                                                            mapping=used, payload=mapped))
        self.counts["created" if action == A.CREATE else "updated"] += 1
        return Outcome(action, O.OK, str(target_id))

    def process_page(self, stream: Stream, records: list) -> None:
        ids = []
        for record in records:
            try:
                ids.append(stream.source_id(record))
            except MALFORMED + (InvalidRecord,):
                continue
        id_map = {m.source_id: m for m in IdMap.objects.filter(integration=self.integration, stream=stream.name,
                                                                source_id__in=ids)}
        pending = PendingRecord.objects.filter(integration=self.integration, stream=stream.name,
                                               source_id__in=ids).exclude(status=PendingRecord.Status.RESOLVED)
        self.page = PageIndex(stream.name, id_map, set(pending.values_list("source_id", flat=True)))
        try:
            for record in records:
                self.process(stream, record)
        finally:
            self.page = None

    def _id_map_save(self, stream, source_id, target_id: str, digest: str) -> None:
        """Upsert in one statement (INSERT … ON CONFLICT DO UPDATE): create once, then update."""
        row = IdMap(integration=self.integration, stream=stream.name, source_id=source_id, target_id=target_id,
                    content_hash=digest)
        IdMap.objects.bulk_create([row], update_conflicts=True, unique_fields=["integration", "stream", "source_id"],
                                  update_fields=["target_id", "content_hash", "updated_at"])
        if page := self._page_of(stream):
            # The same person twice in one page (a rehire's old and new worker) is an update the second time.
            page.id_map[source_id] = row

    def _page_of(self, stream) -> PageIndex | None:
        return self.page if self.page and self.page.stream == stream.name else None

    # --- outcomes other than a write ------------------------------------------------------
    def _hold(self, stream, source_id, record, missing: MissingMapping) -> Outcome:
        self.counts["held"] += 1
        self._pending(stream, source_id, record, PendingRecord.Status.HELD, str(missing), missing.key)
        self._audit(stream, source_id, A.HOLD, O.HELD, reason=str(missing),
                    mapping={"missing": missing.key}, payload=record)
        return Outcome(A.HOLD, O.HELD, reason=str(missing))

    def _quarantine(self, stream, source_id, record, reason: str) -> Outcome:
        self.counts["failed"] += 1
        source_id = source_id or f"unidentified:{content_hash(record)[:16]}"
        self._pending(stream, source_id, record, PendingRecord.Status.QUARANTINED, reason)
        self._audit(stream, source_id, A.QUARANTINE, O.FAILED, reason=reason,
                    payload=record if isinstance(record, dict) else {"raw": repr(record)[:2000]})
        return Outcome(A.QUARANTINE, O.FAILED, reason=reason)

    def _fail(self, stream, source_id, record, error: VendorError, used: dict) -> Outcome:
        self.counts["failed"] += 1
        reason = str(error)
        self._pending(stream, source_id, record, PendingRecord.Status.FAILED, reason, error=error)
        self._audit(stream, source_id, A.FAIL, O.FAILED, reason=reason, mapping=used, payload=record)
        return Outcome(A.FAIL, O.FAILED, reason=reason)

    def _pending(self, stream, source_id, record, status, reason, missing_key="", error=None) -> None:
        if self.run.dry_run:
            return
        columns = error_fields(error)  # a destination's refusal as data; cleared when held or quarantined
        if page := self._page_of(stream):
            page.unresolved.add(source_id)
        payload = record if isinstance(record, dict) else {"raw": repr(record)[:2000]}
        updated = PendingRecord.objects.filter(integration=self.integration, stream=stream.name,
                                               source_id=source_id).update(
            status=status, reason=reason, missing_key=missing_key, attempts=F("attempts") + 1, last_run=self.run,
            updated_at=timezone.now(), **columns)
        if updated:
            # The payload is an encrypted field: set it through the model, not a bulk update.
            pending = PendingRecord.objects.get(integration=self.integration, stream=stream.name, source_id=source_id)
            pending.payload = payload
            pending.save(update_fields=["payload"])
        else:
            PendingRecord.objects.create(tenant=self.tenant, integration=self.integration, stream=stream.name,
                                         source_id=source_id, status=status, reason=reason, missing_key=missing_key,
                                         payload=payload, last_run=self.run, **columns)

    def _resolve(self, stream, source_id) -> None:
        if self.run.dry_run:
            return
        if page := self._page_of(stream):
            if source_id not in page.unresolved:
                return  # nothing pending for this record: skip an UPDATE that would match no row
            page.unresolved.discard(source_id)
        PendingRecord.objects.filter(integration=self.integration, stream=stream.name, source_id=source_id).exclude(
            status=PendingRecord.Status.RESOLVED).update(status=PendingRecord.Status.RESOLVED, missing_key="",
                                                         last_run=self.run, updated_at=timezone.now())

    # --- audit and checkpoints --------------------------------------------------------
    def _audit_fields(self, stream, source_id, action, outcome, *, target_id="", reason="", mapping=None,
                      payload=None) -> dict:
        return audit_fields(tenant=self.tenant, integration=self.integration, run=self.run, stream=stream.name,
                            source_ref=source_id, target_ref=target_id or "", action=action, outcome=outcome,
                            reason=reason, mapping_used=mapping, payload=payload)

    def _audit(self, stream, source_id, action, outcome, **kwargs) -> None:
        self.audits.append(AuditRecord(**self._audit_fields(stream, source_id, action, outcome, **kwargs)))

    def checkpoint(self, *, cursor: Cursor | None = None, value: dict | None = None) -> None:
        """Write buffered audit rows, the cursor and the run's counts together."""
        with transaction.atomic():
            if self.audits:
                AuditRecord.objects.bulk_create(self.audits, batch_size=1000)
                self.audits = []
            if cursor is not None:
                cursor.value = value
                cursor.save(update_fields=["value", "updated_at"])
            # Increments, not absolutes: a run retried by Celery keeps adding to the same totals.
            deltas = {k: F(k) + v - self._saved_counts[k] for k, v in self.counts.items() if v != self._saved_counts[k]}
            if deltas:
                SyncRun.objects.filter(pk=self.run.pk).update(**deltas)
                self._saved_counts = dict(self.counts)


def sync_run_create(*, integration: Integration, trigger: str = SyncRun.Trigger.MANUAL,
                    dry_run: bool = False) -> SyncRun:
    return SyncRun.objects.create(tenant=integration.tenant, integration=integration, trigger=trigger,
                                  dry_run=dry_run)


def sync_run_execute(*, run: SyncRun, streams: list[Stream] | None = None, release_held: bool = True,
                     limit: int | None = None) -> SyncRun:
    """Run one sync. Transient vendor errors are re-raised after recording (the task retries).

    `limit` (dry runs only) stops each stream after its first `limit` records: a preview. A real run
    never stops mid-page, because its cursor would then skip the rest of the page.
    """
    if limit is not None and not run.dry_run:
        raise ValueError("Only a dry run can be limited to its first records.")

    def work(processor: RecordProcessor, streams: list[Stream]) -> None:
        if release_held and not run.dry_run:
            _retry_releasable(processor, streams)
        for stream in streams:
            cursor, _ = Cursor.objects.get_or_create(integration=run.integration, stream=stream.name)
            left = limit
            for page in stream.fetch(dict(cursor.value or {})):
                records = page.records if left is None else page.records[:left]
                processor.process_page(stream, records)
                with transaction.atomic():  # the renewal fences the checkpoint: a lost lease writes nothing
                    processor.lease.renew()
                    run_heartbeat(run_id=run.pk)
                    processor.checkpoint(cursor=None if run.dry_run else cursor, value=page.cursor)
                if left is not None:
                    left -= len(records)
                    if left <= 0:
                        break
            notes = stream.notes()
            if notes:
                processor.audits.append(AuditRecord(**audit_fields(
                    tenant=run.tenant, integration=run.integration, run=run, stream=stream.name,
                    action=A.SKIP, outcome=O.OK, reason=" ".join(notes))))

    return _execute(run, work, streams)


def pending_process(*, run: SyncRun, pending: list[PendingRecord], streams: list[Stream] | None = None) -> SyncRun:
    """Push stored held/failed records through the same path as a normal run (release and replay)."""

    def work(processor: RecordProcessor, streams: list[Stream]) -> None:
        by_name = {s.name: s for s in streams}
        for item in pending:
            if item.stream in by_name:
                processor.process(by_name[item.stream], item.payload)

    return _execute(run, work, streams)


def _execute(run: SyncRun, work, streams: list[Stream] | None) -> SyncRun:
    """Lock, run `work`, record the outcome. Shared by scheduled runs, releases and replays."""
    integration = run.integration
    lease = lock_acquire(integration_id=integration.pk, run_id=run.pk)
    if lease is None:
        _finish(run, SyncRun.Status.SKIPPED,
                RunSkipped("Another run of this integration is in progress; this one was skipped."))
        return run
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now)
    run.status = SyncRun.Status.RUNNING
    processor = RecordProcessor(run=run, mappings=mapping_set_load(integration=integration))
    processor.lease = lease
    ctx = None
    try:
        if streams is None:
            ctx = flow_context(integration=integration)
            streams = flow_streams(integration=integration, ctx=ctx)
        with lease_kept_alive(lease=lease, run_id=run.pk):
            work(processor, streams)
        processor.checkpoint()
        counts = processor.counts
        status = SyncRun.Status.PARTIAL if counts["held"] or counts["failed"] else SyncRun.Status.SUCCEEDED
        _finish(run, status, None, _calls(ctx, streams))
    except LeaseLost:
        # Another process runs this integration now (this run was declared dead and resumed, or its task
        # was redelivered): it owns the run's outcome, so nothing more is written here.
        logger.warning("Run %s stopped: its lease was taken over.", run.pk)
        run.refresh_from_db()
        return run
    except VendorError as error:
        processor.checkpoint()
        _finish(run, SyncRun.Status.FAILED, error, _calls(ctx, streams), notify=not error.transient)
        if error.transient:
            raise
    except Exception as error:
        processor.checkpoint()
        _finish(run, SyncRun.Status.FAILED, error, _calls(ctx, streams))
        raise
    finally:
        lease.release()
    run.refresh_from_db()
    return run


def _retry_releasable(processor: RecordProcessor, streams: list[Stream]) -> None:
    """Held records whose mapping exists by now are written at the start of the next run."""
    by_name = {s.name: s for s in streams}
    held = PendingRecord.objects.filter(integration=processor.integration, status=PendingRecord.Status.HELD,
                                        stream__in=list(by_name))
    for pending in held.iterator():
        map_name, _, value = pending.missing_key.partition(":")
        if value in processor.mappings.values.get(map_name, {}):
            processor.process(by_name[pending.stream], pending.payload)
    processor.checkpoint()


def _calls(ctx: FlowContext | None, streams) -> int:
    clients = [ctx.source, ctx.destination] if ctx else list({id(c): c for s in streams or []
                                                              for c in (s.source, s.destination)}.values())
    return sum(getattr(c, "calls", 0) for c in clients)


def _finish(run: SyncRun, status: str, error: BaseException | None, http_calls: int = 0, *,
            notify: bool = True) -> None:
    fields = run_outcome_save(run_id=run.pk, status=status, error=error, http_calls=http_calls)
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    if notify:  # a transient failure is told by sync_run_task, once Celery stops retrying it
        run_finished(run_id=run.pk, integration_id=run.integration_id, status=status, dry_run=run.dry_run)
