"""Inbound events: store them deduped, feed them to the streams that declare a webhook trigger, replay them.

    intake (syncs/webhooks.py) ── inbound_events_store ── row per new delivery ── on commit ──►
    inbound_event_process_task(event id) ── inbound_event_process:
        for each enabled integration reading this connection, its streams that consume the event type:
            stream.fetch_records(source_ids)  (notification-only: the current state, re-read)
            → the same map → hold/skip/write path as a polled page, in a SyncRun with trigger WEBHOOK,
              under the integration's lease; the stream's cursor is not touched.

An integration that is running holds its lease: the event then waits (`IntegrationBusy`, retried by the
task) rather than being dropped, and the poll that is running cannot lose it either, since the event is
processed after it. What webhooks never deliver, the integration's scheduled poll repairs (the backstop).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from audit.redaction import redact_text
from connections.models import Connection, Tenant
from connections.services import connection_test
from connections.vendors import get_vendor
from connections.vendors.events import Event
from syncs.engine import RunState, flow_context, flow_streams, sync_run_create, sync_run_work
from syncs.flows.base import Stream
from syncs.models import InboundEvent, Integration, IntegrationLock, SyncRun

logger = logging.getLogger(__name__)
S = InboundEvent.Status
DONE = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
COALESCE_LIMIT = 200  # alike events one webhook run takes along


class IntegrationBusy(Exception):
    """Another run of the integration holds its lease; the event is processed when it is free."""


@dataclass(frozen=True)
class StoreResult:
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0


def _event_key(event_id: str) -> str:
    # The column holds 200 characters; a longer vendor id is kept as its digest, which dedupes just as well.
    return event_id if len(event_id) <= 200 else "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


def inbound_events_store(*, connection: Connection, events: list[Event], raw_body: bytes,
                         known_types: frozenset[str]) -> StoreResult:
    """Store each new delivery once and queue it after commit; a redelivery stores and queues nothing.

    An event type the vendor module does not know is stored as IGNORED (logged, not queued): the
    delivery is acknowledged, an operator sees what the vendor sends, and it can be replayed once a
    stream consumes that type. Its payload is encrypted like every other.
    """
    from syncs.tasks import inbound_event_process_task

    stored = duplicates = ignored = 0
    body = raw_body.decode("utf-8", errors="replace")
    with transaction.atomic():
        for event in events:
            known = event.type in known_types and not event.ignored
            try:
                with transaction.atomic():  # a savepoint: the duplicate's IntegrityError must not end the batch
                    row = InboundEvent.objects.create(
                        tenant=connection.tenant, connection=connection, event_id=_event_key(event.event_id),
                        type=event.type[:100], source_ids=[str(i)[:200] for i in event.source_ids],
                        payload=event.payload, raw_body=body, status=S.RECEIVED if known else S.IGNORED,
                        error_message="" if known else event.ignored or f"No handler for {connection.kind} events "
                                                                        f"of type {event.type[:100]!r}.")
            except IntegrityError:
                duplicates += 1
                continue
            stored += 1
            if known:
                transaction.on_commit(lambda pk=row.pk: inbound_event_process_task.delay(pk))
            else:
                ignored += 1
                logger.info("inbound event %s of connection %s (%r): acknowledged and ignored: %s", row.pk,
                            connection.pk, event.type[:100], event.ignored or "unknown type")
    return StoreResult(stored, duplicates, ignored)


def _integration_busy(integration: Integration) -> bool:
    return IntegrationLock.objects.filter(integration=integration, expires_at__gte=timezone.now()).exists()


def _done_for(integration: Integration) -> Exists:
    """Whether an event was already handled by a run of `integration` that started after it was (re)queued."""
    return Exists(SyncRun.objects.filter(inbound_events=OuterRef("pk"), integration=integration, status__in=DONE,
                                         queued_at__gte=OuterRef("queued_at")))


def _waiting_alike(*, event: InboundEvent, integration: Integration, run: SyncRun) -> list[InboundEvent]:
    """Events of the same connection and type still waiting for this integration, queued before the run: one
    re-read serves them all (notification-only, so the current state is what each of them asks for)."""
    return list(InboundEvent.objects.filter(connection_id=event.connection_id, type=event.type, status=S.RECEIVED,
                                            queued_at__lte=run.queued_at)
                .exclude(pk=event.pk).exclude(_done_for(integration)).order_by("pk")[:COALESCE_LIMIT])


def inbound_run(*, event: InboundEvent, integration: Integration, streams: list[Stream]) -> SyncRun:
    """One webhook-triggered run: the records of the event, and of the alike events waiting behind it (a
    burst), re-read from the source once each and written by `streams`. The others' own tasks then find
    this run done and only settle them."""
    if _integration_busy(integration):
        raise IntegrationBusy(f"{integration} is running; the event waits for it.")
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.WEBHOOK)
    event.runs.add(run)

    def work(state: RunState) -> None:
        alike = _waiting_alike(event=event, integration=integration, run=run)  # under the lease
        run.inbound_events.add(*alike)
        source_ids = list(dict.fromkeys(i for e in [event, *alike] for i in e.source_ids))
        for stream in state.streams:
            # The same plan → intents → write path as a polled page; the stream's cursor is not touched.
            state.process(stream, stream.fetch_records(source_ids))

    run = sync_run_work(run=run, work=work, streams=streams)
    if run.status == SyncRun.Status.SKIPPED:  # another run took the lease between the check and the run
        raise IntegrationBusy(run.error)
    return run


def inbound_event_process(*, event: InboundEvent) -> str:
    """Feed the event to every enabled integration of its tenant that reads this connection and has a
    stream consuming the event type. Transient vendor errors and IntegrationBusy go up (the task retries);
    integrations done since the event was queued are not run again on a retry."""
    InboundEvent.objects.filter(pk=event.pk).update(attempts=F("attempts") + 1)
    if event.type in getattr(get_vendor(event.connection.kind).webhooks, "CONNECTION_EVENTS", ()):
        # About the account itself (Paychex CLT_ACCESS: company access granted or revoked): the connection is
        # tested again, so its status and message say what the vendor now allows.
        connection_test(connection=event.connection)
        return inbound_event_settle(event=event, status=S.PROCESSED)
    # The connection is usually the integration's source; a stream that flows back (monday.com statuses → Visma)
    # hears its destination (Stream.webhook_from).
    integrations = Integration.objects.filter(Q(source=event.connection) | Q(destination=event.connection),
                                              tenant=event.tenant, enabled=True).distinct()
    consumed, failed = False, []
    for integration in integrations.select_related("tenant", "source", "destination"):
        streams = [s for s in flow_streams(integration=integration, ctx=flow_context(integration=integration))
                   if s.consumes(event.type, event.connection_id)]
        if not streams:
            continue
        consumed = True
        if InboundEvent.objects.filter(pk=event.pk).filter(_done_for(integration)).exists():
            continue  # done since it was queued: by an earlier try of this task, or with a burst it was part of
        run = inbound_run(event=event, integration=integration, streams=streams)
        if run.status == SyncRun.Status.FAILED:
            failed.append(run)
    if not consumed:
        return inbound_event_settle(event=event, status=S.IGNORED, error_message=(
            f"No enabled integration of this company has a webhook-fed stream for {event.type!r} events."))
    if failed:
        return inbound_event_settle(event=event, status=S.FAILED, error_class="SyncRunFailed", error_message=(
            "; ".join(f"run #{r.number}: {r.error}" for r in failed)))
    return inbound_event_settle(event=event, status=S.PROCESSED)


def _error_columns(error: Exception | None = None, **given) -> dict:
    """The error as columns (class, vendor, status, message, hint), as a run stores its own."""
    if error is not None:
        given = {"error_class": type(error).__name__, "error_vendor": getattr(error, "vendor", "") or "",
                 "error_status": getattr(error, "status", None), "error_message": str(error), **given}
    fields = {"error_class": "", "error_vendor": "", "error_status": None, "error_message": "", "error_hint": "",
              **given}
    fields["error_message"] = redact_text(fields["error_message"])[:2000]
    return fields


def inbound_event_settle(*, event: InboundEvent, status: str, error: Exception | None = None, **error_fields) -> str:
    """Record how processing ended, and why if it did not succeed."""
    InboundEvent.objects.filter(pk=event.pk).update(status=status, processed_at=timezone.now(),
                                                    **_error_columns(error, **error_fields))
    return status


def inbound_event_retrying(*, event: InboundEvent, error: Exception) -> None:
    """The event stays RECEIVED while the task retries; the admin shows the last error meanwhile."""
    InboundEvent.objects.filter(pk=event.pk).update(**_error_columns(error))


def inbound_event_replay(*, tenant: Tenant, event_ids: list[int]) -> int:
    """Queue the tenant's chosen events again (after commit), whatever became of them before; returns how many.
    Writes go through the id map, so a replay of an event already applied writes nothing new."""
    from syncs.tasks import inbound_event_process_task

    with transaction.atomic():
        ids = list(InboundEvent.objects.filter(tenant=tenant, pk__in=event_ids).values_list("pk", flat=True))
        InboundEvent.objects.filter(pk__in=ids).update(status=S.RECEIVED, queued_at=timezone.now(),
                                                       processed_at=None, **_error_columns())
        for pk in ids:
            transaction.on_commit(lambda pk=pk: inbound_event_process_task.delay(pk))
    return len(ids)
