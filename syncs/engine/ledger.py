"""The run's bookkeeping: counts, audit rows, pending records and the id map.

One source of truth for what happened to a record: the write intent. The id map and the people-facing
list of held/failed records (PendingRecord) are derived from it and only ever written here, inside the
same transaction that settles the intent (or, for records that never got an intent — held for a missing
mapping, quarantined as bad input — the transaction that closes their page). Audit rows and run counts
are buffered per page, in that page's `Book`, and written by the transaction that settles the page,
together with its cursor: with pipelined pages, page N+1 is planned (its skips, holds and counts booked)
before page N settles, and N's transaction must not carry N+1's rows.
"""
from __future__ import annotations

from contextlib import contextmanager

from django.utils import timezone

from audit.models import AuditRecord
from audit.privacy import integration_privacy
from audit.redaction import redact
from audit.services import audit_fields
from syncs.engine.read import safe_payload
from syncs.engine.rows import rows_insert, rows_update, rows_upsert
from syncs.errors import error_fields
from syncs.mapping import VALUES_USED
from syncs.models import Cursor, IdMap, PendingRecord, SyncRun

A, O = AuditRecord.Action, AuditRecord.Outcome
COUNTS = ("read", "created", "updated", "unchanged", "held", "failed")
AUDIT_COLUMNS = ("tenant", "integration", "run", "stream", "source_ref", "target_ref", "action", "outcome", "reason",
                 "mapping_used", "payload_digest", "payload", "created_at")


class Book:
    """One page's share of the run's bookkeeping: its audit rows and count increments, written together
    by the transaction that settles the page."""

    def __init__(self):
        self.audits: list[tuple] = []  # AUDIT_COLUMNS values but created_at, stamped when written
        self.counts = dict.fromkeys(COUNTS, 0)


class Totals(dict):
    """The run's counts. An increment (`ledger.counts["read"] += 1`) is booked to the current page too, and
    written with that page's settle transaction."""

    def __init__(self, ledger: "Ledger"):
        super().__init__(dict.fromkeys(COUNTS, 0))
        self._ledger = ledger

    def __setitem__(self, key, value):
        self._ledger.book.counts[key] += value - self.get(key, 0)
        super().__setitem__(key, value)


class Ledger:
    def __init__(self, *, run: SyncRun):
        self.run = run
        self.integration = run.integration
        self.tenant = run.integration.tenant
        self.book = Book()  # where audit rows and counts go now (see open_book / booking_to)
        self.counts = Totals(self)  # the run's totals so far; `counts[k] += 1` books it to the current page
        self._sensitive = integration_privacy(self.integration).sensitive
        self._described: list[tuple[dict, dict]] = []  # pages' mapping descriptions and their redaction

    # --- pages -------------------------------------------------------------------------
    def open_book(self) -> Book:
        """A new page starts: what is booked from now on is written with that page's settle transaction."""
        self.book = Book()
        return self.book

    @contextmanager
    def booking_to(self, book: Book):
        """Book into an earlier page (settling page N while N+1 is current)."""
        current, self.book = self.book, book
        try:
            yield
        finally:
            self.book = current

    # --- audit -------------------------------------------------------------------------
    def audit(self, stream: str, source_id: str, action: str, outcome: str, *, target_id="", reason="",
              mapping=None, payload=None) -> None:
        row = audit_fields(tenant=self.tenant, integration=self.integration, run=self.run, stream=stream,
                           source_ref=source_id, target_ref=target_id or "", action=action, outcome=outcome,
                           reason=reason, payload=None if payload is None else safe_payload(payload),
                           sensitive_fields=self._sensitive)
        self.book.audits.append((self.tenant.pk, self.integration.pk, self.run.pk, row["stream"], row["source_ref"],
                                 row["target_ref"], action, outcome, row["reason"], self._mapping_redacted(mapping),
                                 row["payload_digest"], row["payload"]))

    def page_mapping(self, mapping: dict) -> None:
        """The mapping description the planner gives the records of a page: redacted now, once. The last two
        pages' are kept: with pipelined pages, page N settles (and audits) after page N+1 was planned."""
        self._described = [(mapping, redact(mapping)), *self._described[:1]]

    def _mapping_redacted(self, mapping):
        """A page's description is redacted once; a record that went through value translations has a copy of
        it with them added under VALUES_USED (plan.py), and only those are redacted again."""
        for shared, redacted in self._described:
            if mapping is shared:
                return redacted
            if (isinstance(mapping, dict) and VALUES_USED in mapping
                    and mapping.keys() - {VALUES_USED} == shared.keys() - {VALUES_USED}
                    and all(mapping[k] is v for k, v in shared.items() if k != VALUES_USED)):
                return {**redacted, VALUES_USED: redact(mapping[VALUES_USED])}
        return redact(mapping or {})

    # --- derived state: id map and pending records (call inside the settling transaction) --------------
    def id_map_save(self, stream: str, rows: list[tuple[str, str, str]]) -> None:
        """(source_id, target_id, content_hash) rows, upserted in one statement."""
        now = timezone.now()
        rows_upsert(IdMap, ("integration", "stream", "source_id", "target_id", "content_hash", "updated_at"),
                    [(self.integration.pk, stream, s, t, h, now) for s, t, h in rows],
                    unique=("integration", "stream", "source_id"), update=("target_id", "content_hash", "updated_at"))

    def pending_save(self, stream: str, source_id: str, record, status: str, reason: str,
                     missing_key: str = "", error: BaseException | None = None) -> None:
        if self.run.dry_run:
            return
        payload = safe_payload(record)
        columns = error_fields(error)  # a destination's refusal as data; cleared when held or quarantined
        pending = PendingRecord.objects.filter(integration=self.integration, stream=stream,
                                               source_id=source_id).first()
        if pending is None:
            PendingRecord.objects.create(tenant=self.tenant, integration=self.integration, stream=stream,
                                         source_id=source_id, status=status, reason=reason, missing_key=missing_key,
                                         payload=payload, last_run=self.run, **columns)
            return
        for name, value in columns.items():
            setattr(pending, name, value)
        pending.status, pending.reason, pending.missing_key = status, reason, missing_key
        pending.payload, pending.last_run, pending.attempts = payload, self.run, pending.attempts + 1
        pending.save(update_fields=["status", "reason", "missing_key", "payload", "last_run", "attempts",
                                    "updated_at", *columns])

    def pending_resolve(self, stream: str, source_ids: set[str]) -> None:
        if self.run.dry_run or not source_ids:
            return
        PendingRecord.objects.filter(integration=self.integration, stream=stream, source_id__in=source_ids).exclude(
            status=PendingRecord.Status.RESOLVED).update(status=PendingRecord.Status.RESOLVED, missing_key="",
                                                         last_run=self.run, updated_at=timezone.now())

    # --- outcomes other than a write -------------------------------------------------------------
    def hold(self, stream: str, source_id: str, record, reason: str, missing_key: str = "", mapping=None) -> None:
        self.counts["held"] += 1
        self.pending_save(stream, source_id, record, PendingRecord.Status.HELD, reason, missing_key)
        self.audit(stream, source_id, A.HOLD, O.HELD, reason=reason,
                   mapping=mapping if mapping is not None else ({"missing": missing_key} if missing_key else None),
                   payload=record)

    def hold_refused(self, stream: str, source_id: str, record, error: BaseException, missing_key: str,
                     mapping=None) -> None:
        """Refused for a value the destination does not have: held in the vendor's own words (kept in the error
        columns too) until the mapping `missing_key` names changes, or a later run finds the value there."""
        words = getattr(error, "vendor_message", "") or str(error)
        reason = (f"{words} Fix the value in Visma or change the mapping; the record is written when the mapping "
                  "changes, or by the next run once the value exists.")
        self.counts["held"] += 1
        self.pending_save(stream, source_id, record, PendingRecord.Status.HELD, reason, missing_key, error=error)
        self.audit(stream, source_id, A.HOLD, O.HELD, reason=reason, mapping=mapping, payload=record)

    def quarantine(self, stream: str, source_id: str, record, reason: str) -> None:
        self.counts["failed"] += 1
        self.pending_save(stream, source_id, record, PendingRecord.Status.QUARANTINED, reason)
        self.audit(stream, source_id, A.QUARANTINE, O.FAILED, reason=reason, payload=record)

    def fail(self, stream: str, source_id: str, record, reason: str, mapping=None,
             error: BaseException | None = None) -> None:
        self.counts["failed"] += 1
        self.pending_save(stream, source_id, record, PendingRecord.Status.FAILED, reason, error=error)
        self.audit(stream, source_id, A.FAIL, O.FAILED, reason=reason, mapping=mapping, payload=record)

    # --- checkpoint --------------------------------------------------------------------------------
    def flush(self, *, book: Book | None = None, cursor: Cursor | None = None, value: dict | None = None,
              beat: bool = False) -> None:
        """A page's audit rows and counts (the current page's by default) and its cursor: call inside the
        page's transaction. `beat`: the run's heartbeat goes in the same UPDATE as its counts."""
        book = book or self.book
        if book.audits:
            now = timezone.now()
            rows_insert(AuditRecord, AUDIT_COLUMNS, [row + (now,) for row in book.audits])
            book.audits = []
        if cursor is not None:
            cursor.value, cursor.updated_at = value, timezone.now()
            rows_update(Cursor, {"value": value, "updated_at": cursor.updated_at}, id=cursor.pk)
        # Increments, not absolutes: a run retried by Celery keeps adding to the same totals.
        deltas = {k: v for k, v in book.counts.items() if v}
        if deltas or beat:
            rows_update(SyncRun, {"heartbeat_at": timezone.now()} if beat else {}, increments=deltas, id=self.run.pk)
            book.counts = dict.fromkeys(COUNTS, 0)
