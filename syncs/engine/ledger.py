"""The run's bookkeeping: counts, audit rows, pending records and the id map.

One source of truth for what happened to a record: the write intent. The id map and the people-facing
list of held/failed records (PendingRecord) are derived from it and only ever written here, inside the
same transaction that settles the intent (or, for records that never got an intent — held for a missing
mapping, quarantined as bad input — the transaction that closes their page). Audit rows and run counts
are buffered and written by the same transaction, together with the cursor.
"""
from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_fields
from syncs.engine.read import safe_payload
from syncs.errors import error_fields
from syncs.models import Cursor, IdMap, PendingRecord, SyncRun

A, O = AuditRecord.Action, AuditRecord.Outcome
COUNTS = ("read", "created", "updated", "unchanged", "held", "failed")


class Ledger:
    def __init__(self, *, run: SyncRun):
        self.run = run
        self.integration = run.integration
        self.tenant = run.integration.tenant
        self.audits: list[AuditRecord] = []
        self.counts = dict.fromkeys(COUNTS, 0)
        self._saved = dict(self.counts)

    # --- audit -------------------------------------------------------------------------
    def audit(self, stream: str, source_id: str, action: str, outcome: str, *, target_id="", reason="",
              mapping=None, payload=None) -> None:
        self.audits.append(AuditRecord(**audit_fields(
            tenant=self.tenant, integration=self.integration, run=self.run, stream=stream, source_ref=source_id,
            target_ref=target_id or "", action=action, outcome=outcome, reason=reason, mapping_used=mapping,
            payload=None if payload is None else safe_payload(payload))))

    # --- derived state: id map and pending records (call inside the settling transaction) --------------
    def id_map_save(self, stream: str, rows: list[tuple[str, str, str]]) -> None:
        """(source_id, target_id, content_hash) rows, upserted in one statement."""
        if not rows:
            return
        IdMap.objects.bulk_create(
            [IdMap(integration=self.integration, stream=stream, source_id=s, target_id=t, content_hash=h)
             for s, t, h in rows],
            update_conflicts=True, unique_fields=["integration", "stream", "source_id"],
            update_fields=["target_id", "content_hash", "updated_at"])

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
    def flush(self, *, cursor: Cursor | None = None, value: dict | None = None) -> None:
        """Buffered audit rows, the cursor and the run's counts (call inside the page's transaction)."""
        if self.audits:
            AuditRecord.objects.bulk_create(self.audits, batch_size=1000)
            self.audits = []
        if cursor is not None:
            cursor.value = value
            cursor.save(update_fields=["value", "updated_at"])
        # Increments, not absolutes: a run retried by Celery keeps adding to the same totals.
        deltas = {k: F(k) + v - self._saved[k] for k, v in self.counts.items() if v != self._saved[k]}
        if deltas:
            SyncRun.objects.filter(pk=self.run.pk).update(**deltas)
            self._saved = dict(self.counts)
