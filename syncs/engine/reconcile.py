"""Looking up writes whose outcome is unknown (a timeout, a 5xx, a crash after sending), by their key at the
destination: before a page is sent (attempts an earlier run or page left `sent`) and once the page's calls are
back (this page's own unknown outcomes, settled in the run rather than by the next attempt).

The calls go out on the run's writer (`syncs/engine/write.py`, HTTP only on its threads); how an outcome is
classified is `syncs/engine/settle.py`.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone

from connections.vendors.errors import VendorError
from syncs.engine.plan import PagePlan, PlannedWrite
from syncs.engine.settle import Outcome, outcomes_of
from syncs.flows.base import Intent, NotReconcilable, Stream, WriteMode
from syncs.models import WriteIntent

if TYPE_CHECKING:
    from syncs.engine.write import Writer

S = WriteIntent.State


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


def earlier_attempts_reconcile(writer: Writer, plan: PagePlan, outcomes: dict[str, Outcome],
                               prior: dict[int, Outcome]) -> None:
    """Look up every earlier attempt whose outcome is unknown, before anything is sent again."""
    stream = plan.stream
    _wait_until_searchable(stream, [p for w in plan.writes for p in w.unknown])
    jobs = [(w, p, writer.submit(stream.reconcile, _as_intent(p))) for w in plan.writes for p in w.unknown]
    writer.gather([f for _, _, f in jobs])
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


def unknown_outcomes_settle(writer: Writer, stream: Stream, sent: list[PlannedWrite],
                            outcomes: dict[str, Outcome]) -> None:
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
    lookups = [(w, writer.submit(stream.reconcile, w.intent)) for w in creates]
    writer.gather([f for _, f in lookups])
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
    jobs = [(w, writer.submit(stream.write_intent, w.intent)) for w in again]
    writer.gather([f for _, f in jobs])
    for write, future in jobs:
        outcomes_of([write], future, outcomes, single=True)
