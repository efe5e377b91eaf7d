"""Writes whose outcome is unknown and that no page will bring back: reconciled by their key, then settled.

Two kinds reach here, both `sent` intents:
* deferred ones: a stream whose destination applies writes late (`reconcile_after_seconds` > 0) is not searched
  as soon as a call times out; the intent waits while the run goes on and is reconciled once due — after a
  later page of the same run, at the run's end (waiting for it), or at the start of the next run;
* orphans: a `sent` intent whose record is never planned again (a webhook run that died and whose event was
  not retried, a record deleted at the source), found by the sweeper (`syncs/sweeper.py`) or by the admin's
  "reconcile now", and settled here inside a run of their own.

Each is looked up by its key (`stream.reconcile`): found → confirmed (id map, pending record resolved, audit);
proven absent → sent once, as a create or an update of its known target; not searchable → held for a person;
the lookup failing → left `sent` for the next try. Everything of one batch is settled in one transaction,
under the run's lease.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connections.vendors.errors import VendorError
from syncs.engine.ledger import A, O
from syncs.flows.base import Intent, NotReconcilable
from syncs.models import PendingRecord, WriteIntent

S = WriteIntent.State
FOUND = "found at the destination by reconciliation: not sent again"


def due_at(row: WriteIntent, stream) -> datetime:
    return (row.sent_at or row.created_at) + timedelta(seconds=stream.reconcile_after_seconds)


def orphans_due(*, integration, streams, now: datetime | None = None) -> list[WriteIntent]:
    """`sent` intents to settle at a run's start: deferred ones now due, and any left longer than
    SYNC_SWEEP_SENT_AFTER_SECONDS (their page was never read again)."""
    now = now or timezone.now()
    by_name = {s.name: s for s in streams}
    stale = now - timedelta(seconds=settings.SYNC_SWEEP_SENT_AFTER_SECONDS)
    rows = WriteIntent.objects.filter(integration=integration, state=S.SENT, stream__in=list(by_name))
    return [r for r in rows.order_by("sent_at") if (r.sent_at or r.created_at) <= stale
            or by_name[r.stream].reconcile_after_seconds > 0 and due_at(r, by_name[r.stream]) <= now]


def deferred_settle(state, *, wait: bool) -> None:
    """The run's deferred intents that are due (all of them with `wait`, sleeping until the last is due)."""
    writer = state.writer
    if not writer.deferred:
        return
    streams = {s.name: s for s in state.streams}
    stored = WriteIntent.objects.in_bulk([row.pk for row, _ in writer.deferred])  # with their sent_at
    writer.deferred = [(stored[row.pk], record) for row, record in writer.deferred if row.pk in stored]
    if wait and writer.deferred:
        last = max(due_at(row, streams[row.stream]) for row, _ in writer.deferred)
        seconds = (last - timezone.now()).total_seconds()
        while seconds > 0:  # the heartbeat thread keeps the run alive meanwhile
            time.sleep(min(seconds, 1.0))
            state.lease.renew()
            seconds = (last - timezone.now()).total_seconds()
    now = timezone.now()
    due = [(row, record) for row, record in writer.deferred if due_at(row, streams[row.stream]) <= now]
    writer.deferred = [item for item in writer.deferred if item not in due]
    records = {row.key: record for row, record in due}
    orphans_settle(state, [row for row, _ in due], records=records)


def orphans_settle(state, rows: list[WriteIntent], *, records: dict | None = None) -> None:
    """Reconcile each `sent` row by its key and settle it (see the module docstring)."""
    streams = {s.name: s for s in state.streams}
    records = records or {}
    for name in sorted({r.stream for r in rows}):
        stream = streams.get(name)
        batch = [WriteIntent.objects.get(pk=r.pk) for r in rows if r.stream == name]
        batch = [r for r in batch if r.state == S.SENT]  # settled meanwhile by a page that planned it again
        if stream is None or not batch:
            continue
        outcomes = [(row, _outcome(stream, row)) for row in batch]
        with transaction.atomic():
            state.lease.renew()
            for row, (state_, target, error, found) in outcomes:
                _settle_one(state.ledger, stream, row, records.get(row.key), state_, target, error, found)
            state.ledger.flush()


def _outcome(stream, row: WriteIntent) -> tuple[str, str, BaseException | None, bool]:
    """(state, target id, error, found by the lookup): HTTP only, no database but the attempt count."""
    intent = Intent(key=row.key, source_id=row.source_id, mapped=row.payload, record=None,
                    target_id=row.target_id or None, batch=row.batch)
    try:
        found = stream.reconcile(intent)
    except NotReconcilable as exc:
        return S.HELD, "", exc, False
    except Exception as exc:  # the lookup failed: still unknown
        return S.SENT, "", exc, False
    if found is not None:
        return S.CONFIRMED, str(found), None, True
    WriteIntent.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, sent_at=timezone.now())
    try:
        return S.CONFIRMED, str(stream.write_intent(intent)), None, False
    except VendorError as exc:
        return (S.SENT if exc.transient else S.FAILED), "", exc, False
    except Exception as exc:  # our own code: unknown again
        return S.SENT, "", exc, False


def _settle_one(ledger, stream, row: WriteIntent, record, state: str, target: str, error, found: bool) -> None:
    now = timezone.now()
    name, action = stream.name, A.UPDATE if row.target_id else A.CREATE
    record = record if record is not None else _stored_record(row)
    fields = {"state": state, "last_run": ledger.run, "error_class": type(error).__name__ if error else "",
              "error_status": getattr(error, "status", None), "error_message": str(error)[:2000] if error else ""}
    if state != S.SENT:
        fields["settled_at"] = now
    if state == S.CONFIRMED:
        fields["target_id"] = target
        ledger.id_map_save(name, [(row.source_id, target, row.content_hash)])
        ledger.pending_resolve(name, {row.source_id})
        ledger.counts["created" if action == A.CREATE else "updated"] += 1
        ledger.audit(name, row.source_id, action, O.OK, target_id=target, reason=FOUND if found else
                     "reconciled after an unknown outcome: not found at the destination, so sent once",
                     payload=row.payload)
    elif state == S.FAILED:
        ledger.fail(name, row.source_id, record, str(error), error=error)
    elif state == S.HELD:
        ledger.hold(name, row.source_id, record, f"An earlier write may have reached the destination, which cannot "
                    f"be searched for it ({error}); check the destination before releasing it.")
    WriteIntent.objects.filter(pk=row.pk).update(**fields)


def _stored_record(row: WriteIntent):
    """The source record as last stored for a person (a pending record), else the mapped write itself."""
    pending = PendingRecord.objects.filter(integration_id=row.integration_id, stream=row.stream,
                                           source_id=row.source_id).first()
    return pending.payload if pending is not None and pending.payload else {"mapped": row.payload}
