"""Planning one page: map each record (pure), then hold, quarantine, skip or intend a write.

Every write becomes a `WriteIntent` row before any destination call: the plan lists the page's new
intents, and `write.py` inserts them (those about to be sent as `sent`) in one transaction, with the lease
checked, before it sends anything. A record whose earlier write
has an unknown outcome (`sent` and never settled) carries that intent along, so the writer reconciles
it first; a record whose earlier write is `held` (unknown outcome, destination not searchable) is held
again, never written a second time.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from syncs.engine.ledger import A, O, Ledger
from syncs.engine.read import BadSourceId, source_id_of, unidentified_id
from syncs.engine.rows import instances_insert, rows_select
from syncs.flows.base import Intent, Stream, WriteMode
from syncs.mapping import VALUES_USED, InvalidRecord, MappingSet, MissingMapping, content_hash
from syncs.models import IdMap, PendingRecord, WriteIntent

S = WriteIntent.State
RESOLVED = PendingRecord.Status.RESOLVED
INTENT_COLUMNS = tuple(f.name for f in WriteIntent._meta.concrete_fields if not f.primary_key)


def intents_record(plan: "PagePlan", sending: list["PlannedWrite"], *, run, lease=None) -> None:
    """The page's intents as rows, before any of its calls: one transaction, which first checks the lease
    (LeaseLost: nothing is recorded, nothing sent). Those about to be sent are `sent` from here on (a crash
    now is an unknown outcome, reconciled before anything is sent again); new intents not sent now (their
    earlier attempt's lookup failed) are inserted `pending`. New rows are inserted without their ids."""
    if run.dry_run or not (plan.new or sending):
        return
    now = timezone.now()
    for w in sending:
        row = w.row
        row.state, row.sent_at, row.last_run_id, row.batch = S.SENT, now, run.pk, w.intent.batch
        row.attempts += 1  # the stored count from here on; earlier rows are counted up by the UPDATE below
    new = {id(row) for row in plan.new}
    earlier: dict[str, list[str]] = {}  # batch id → keys of rows stored before this page
    for w in sending:
        if id(w.row) not in new:
            earlier.setdefault(w.intent.batch, []).append(w.intent.key)
    with transaction.atomic():
        if lease is not None:
            lease.renew()
        instances_insert(plan.new, INTENT_COLUMNS)
        for batch_id, keys in earlier.items():
            WriteIntent.objects.filter(key__in=keys).update(state=S.SENT, attempts=F("attempts") + 1, sent_at=now,
                                                            last_run=run, batch=batch_id)


def intent_key(*, integration_id: int, stream: str, source_id: str, digest: str, replaces: str) -> str:
    """Deterministic: the same write planned again (a resumed page, a replay) gets the same key. `replaces`
    (the content last confirmed) keeps A → B → A distinct from the first A."""
    return hashlib.sha256(f"{integration_id}\x1f{stream}\x1f{source_id}\x1f{digest}\x1f{replaces}".encode()).hexdigest()


class Mapped(NamedTuple):
    """A source id's id-map entry: where it was written and the content hash written."""
    target_id: str
    content_hash: str


@dataclass
class PlannedWrite:
    row: WriteIntent
    intent: Intent
    digest: str
    used: dict
    # Earlier attempts of this record whose outcome is unknown (state `sent`): reconciled before sending.
    unknown: list[WriteIntent] = field(default_factory=list)
    # Earlier attempts never sent (state `pending`, another key): superseded by this one.
    superseded: list[WriteIntent] = field(default_factory=list)

    @property
    def action(self) -> str:
        return A.UPDATE if self.intent.target_id else A.CREATE


@dataclass
class PagePlan:
    stream: Stream
    writes: list[PlannedWrite] = field(default_factory=list)
    confirmed: list[tuple[str, str, str]] = field(default_factory=list)  # reference mode: (source, target, hash)
    resolved: set[str] = field(default_factory=set)  # source ids whose pending record is resolved
    # Source ids of the page with an unresolved pending record when it was planned: only they can be
    # resolved by settling it (a page sharing an id with the page in flight is planned after that settled).
    pending: set[str] = field(default_factory=set)
    # Intents of this page with no row yet: the writer inserts them before any call (`intents_record`).
    new: list[WriteIntent] = field(default_factory=list)


class Planner:
    def __init__(self, *, ledger: Ledger, mappings: MappingSet):
        self.ledger = ledger
        self.run = ledger.run
        self.integration = ledger.integration
        self.mappings = mappings

    def plan(self, stream: Stream, records: list) -> PagePlan:
        """The page's plan; its skips, holds and counts are booked to the page (its own `Book`)."""
        plan = PagePlan(stream)
        self.ledger.open_book()
        ids = []
        for record in records:
            try:
                ids.append(source_id_of(stream, record))
            except Exception:
                continue
        # By plain statements (rows.py): most pages find no earlier intents and no pending records, and the
        # few rows that exist are then read as models by id.
        page = {"integration": self.integration.pk, "stream": stream.name, "source_id": ids}
        id_map = {source_id: Mapped(target_id, content_hash) for source_id, target_id, content_hash
                  in rows_select(IdMap, ("source_id", "target_id", "content_hash"), **page)}
        earlier: dict[str, list[WriteIntent]] = {}
        unsettled = [pk for pk, in rows_select(WriteIntent, ("id",), **page, state=[S.PENDING, S.SENT, S.HELD])]
        for row in WriteIntent.objects.filter(pk__in=unsettled).order_by("created_at") if unsettled else ():
            earlier.setdefault(row.source_id, []).append(row)
        unresolved = plan.pending = {source_id for source_id, in rows_select(
            PendingRecord, ("source_id",), **page, status=[s for s in PendingRecord.Status if s != RESOLVED])}
        # One description of the mapping for the whole page: the same object in every audit row, redacted once.
        # Its empty VALUES_USED says "no translation" (a row without the key predates them: syncs/reapply.py).
        used = {**self.mappings.used(stream.name, self.mappings.rules_for(stream.name, stream.rules)),
                VALUES_USED: {}}
        self.ledger.page_mapping(used)
        for record in records:
            self._plan_one(plan, stream, record, id_map, earlier, unresolved, used)
        # A write planned before (refused, then replayed unchanged) keeps its intent: same key, one row.
        fresh = {w.intent.key: w for w in plan.writes if w.row.pk is None}
        planned_before = [key for key, in rows_select(WriteIntent, ("key",), key=list(fresh))]
        for row in WriteIntent.objects.filter(key__in=planned_before) if planned_before else ():
            fresh.pop(row.key).row = row
        # Inserted by the writer, in the one transaction that also marks the page's calls `sent` (write.py).
        plan.new = [w.row for w in fresh.values()]
        return plan

    def _plan_one(self, plan: PagePlan, stream: Stream, record, id_map, earlier, unresolved, used) -> None:
        ledger, name = self.ledger, stream.name
        ledger.counts["read"] += 1
        try:
            source_id = source_id_of(stream, record)
        except Exception as exc:  # any record-level failure is the record's, never the run's
            reason = str(exc) if isinstance(exc, (BadSourceId, InvalidRecord)) else f"{type(exc).__name__}: {exc}"
            ledger.quarantine(name, unidentified_id(record), record, f"record has no usable id ({reason})")
            return
        self.mappings.take_translated()  # what an earlier record translated is not this one's
        try:
            mapped = stream.map(record, self.mappings)
            digest = content_hash(mapped)
        except MissingMapping as missing:
            ledger.hold(name, source_id, record, str(missing), missing.key)
            return
        except InvalidRecord as exc:
            ledger.quarantine(name, source_id, record, str(exc))
            return
        except Exception as exc:  # OverflowError from 1e400, a flow's KeyError on odd input, …
            ledger.quarantine(name, source_id, record, f"malformed record: {type(exc).__name__}: {exc}")
            return
        translated = self.mappings.take_translated()
        if translated:  # the value translations this record went through; else the page's shared description
            used = {**used, VALUES_USED: translated}
        existing = id_map.get(source_id)
        prior = earlier.get(source_id, [])
        if any(p.state == S.HELD for p in prior):
            ledger.hold(name, source_id, record, "An earlier write of this record may have reached the destination "
                        "and cannot be looked up there; check the destination, then resolve the held write.",
                        mapping=used)
            return
        unknown = [p for p in prior if p.state == S.SENT]
        if existing and existing.content_hash == digest and not unknown:
            ledger.counts["unchanged"] += 1
            ledger.audit(name, source_id, A.SKIP, O.OK, target_id=existing.target_id,
                         reason="unchanged since last write", mapping=used)
            if source_id in unresolved:
                plan.resolved.add(source_id)
            return
        target_id = existing.target_id if existing else None
        if self.run.dry_run:
            ledger.audit(name, source_id, A.UPDATE if existing else A.CREATE, O.DRY_RUN, target_id=target_id or "",
                         reason="dry run: would be written", mapping=used, payload=mapped)
            return
        if stream.write_mode == WriteMode.REFERENCE:
            # Nothing is sent anywhere: the link itself is the result, confirmed with the page.
            plan.confirmed.append((source_id, str(stream.write(mapped, target_id, record)), digest))
            ledger.counts["created" if existing is None else "updated"] += 1
            ledger.audit(name, source_id, A.UPDATE if existing else A.CREATE, O.OK, target_id=plan.confirmed[-1][1],
                         mapping=used, payload=mapped)
            plan.resolved.add(source_id)
            return
        key = intent_key(integration_id=self.integration.pk, stream=name, source_id=source_id, digest=digest,
                         replaces=existing.content_hash if existing else "")
        row = next((p for p in prior if p.key == key), None)
        if row is None:
            # By ids: setting a relation through its descriptor costs more than the rest of the row.
            row = WriteIntent(tenant_id=self.ledger.tenant.pk, integration_id=self.integration.pk, stream=name,
                              source_id=source_id, key=key, content_hash=digest, payload=mapped,
                              target_id=target_id or "", last_run_id=self.run.pk)
        plan.writes.append(PlannedWrite(
            row=row, intent=Intent(key=key, source_id=source_id, mapped=mapped, record=record, target_id=target_id),
            digest=digest, used=used, unknown=unknown,
            superseded=[p for p in prior if p.state == S.PENDING and p.key != key]))
