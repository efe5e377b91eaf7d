"""Writes for integrations. Schedules change only through syncs/schedules.py.

Every change to an integration or a mapping writes a change-log row in the same transaction.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.redaction import redact_text
from changelog.services import change_record
from changelog.snapshots import integration_snapshot, value_mapping_snapshot
from connections.models import Connection, Tenant
from connections.vendors.errors import VendorError
from syncs.flows import flow_module, get_flow
from syncs.flows.base import OptionMove
from syncs.locks import lock_acquire
from syncs.models import Cursor, IdMap, Integration, WriteIntent
from syncs.schedules import schedule_remove, schedule_sync


class IntegrationError(ValueError):
    pass


class IntegrationBusy(IntegrationError):
    """A run holds the integration's lease: a change that moves its data waits until the run finishes."""


BUSY = "A sync is running; try again when it finishes."


def integration_check_connections(*, tenant: Tenant, flow_kind: str, source: Connection, destination: Connection) -> None:
    flow = get_flow(flow_kind)
    for role, connection, expected in (("source", source, flow.source_kind),
                                       ("destination", destination, flow.destination_kind)):
        if connection.tenant_id != tenant.pk:
            raise IntegrationError(f"The {role} connection belongs to another tenant.")
        if connection.kind != expected:
            raise IntegrationError(f"{flow.label} needs a {expected} {role} connection, not {connection.kind}.")


def integration_check_options(*, options: dict) -> None:
    if not isinstance(options, dict):
        raise IntegrationError("Options are a JSON object, e.g. {\"page_size\": 100}.")
    backstop = options.get("backstop_every_minutes")
    if backstop is not None and not (isinstance(backstop, int) and not isinstance(backstop, bool) and backstop > 0):
        raise IntegrationError("backstop_every_minutes is a whole number of minutes, at least 1.")


@transaction.atomic
def integration_create(*, tenant: Tenant, name: str, flow_kind: str, source: Connection, destination: Connection,
                       streams: list[str] | None = None, every_minutes: int | None = None, cron: str = "",
                       enabled: bool = False, options: dict | None = None, actor=None) -> Integration:
    integration_check_connections(tenant=tenant, flow_kind=flow_kind, source=source, destination=destination)
    integration_check_options(options=options or {})
    if every_minutes is None and not cron:
        every_minutes = get_flow(flow_kind).default_every_minutes
    integration = Integration.objects.create(
        tenant=tenant, name=name, flow_kind=flow_kind, source=source, destination=destination,
        streams=list(streams or []), every_minutes=every_minutes, cron=cron, enabled=enabled,
        options=dict(options or {}))
    schedule_sync(integration=integration)
    change_record(tenant=tenant, actor=actor, obj=integration, object_type="integration", action="created",
                  after=integration_snapshot(integration))
    return integration


def integration_options_checked(*, integration: Integration, options: dict) -> dict:
    """The options to store, as the flow's own check (`options_check(ctx, options)`, the wizard's too) accepts
    them: a monday board the token cannot see is refused in monday's words (IntegrationError)."""
    from syncs.engine import flow_context

    check = getattr(flow_module(integration.flow_kind), "options_check", None)
    if check is None:
        return options
    try:
        return check(flow_context(integration=integration), options)
    except VendorError as error:
        raise IntegrationError(redact_text(str(error))) from None


@transaction.atomic
def integration_change(*, integration: Integration, actor=None, **changes) -> list[OptionMove]:
    """`integration_update`, and what an options change means for data already written: a resource the flow
    sends elsewhere now (its `options_moves(ctx, before, after)`, e.g. a monday board picked anew) starts over
    there. Under the integration's lease (IntegrationBusy while a run holds it), in this one transaction, the
    moved streams' id map and cursor are cleared, their unsettled write intents settled as failed (they name the
    old destination), and the change-log row says what moved. Returns the moves."""
    hook = getattr(flow_module(integration.flow_kind), "options_moves", None)
    before = Integration.objects.get(pk=integration.pk).options or {}
    moves: list[OptionMove] = []
    if hook is not None and "options" in changes and changes["options"] != before:
        from syncs.engine import flow_context

        try:
            moves = hook(flow_context(integration=integration), before, changes["options"])
        except VendorError as error:
            raise IntegrationError(redact_text(str(error))) from None
    if not moves:
        integration_update(integration=integration, actor=actor, **changes)
        return moves
    # The run's own lease, taken inside this transaction: a run that starts meanwhile waits on the lock row
    # until this commits, then reads the new options (engine/run.py) and an empty id map, never the old board.
    lease = lock_acquire(integration_id=integration.pk)
    if lease is None:
        raise IntegrationBusy(BUSY)
    try:
        streams = sorted({name for move in moves for name in move.streams})
        IdMap.objects.filter(integration=integration, stream__in=streams).delete()
        Cursor.objects.filter(integration=integration, stream__in=streams).delete()
        WriteIntent.objects.filter(integration=integration, stream__in=streams,
                                   state__in=[*WriteIntent.UNSETTLED, WriteIntent.State.HELD]).update(
            state=WriteIntent.State.FAILED, settled_at=timezone.now(), error_class="DestinationMoved",
            error_message="Not settled when its destination changed; the next run writes the record there.")
        integration_update(integration=integration, actor=actor, moved=[move.sentence for move in moves], **changes)
    finally:
        lease.release()
    return moves


@transaction.atomic
def integration_update(*, integration: Integration, actor=None, moved: list[str] | None = None,
                       **changes) -> Integration:
    allowed = {"name", "streams", "every_minutes", "cron", "enabled", "options", "source", "destination"}
    unknown = set(changes) - allowed
    if unknown:
        raise IntegrationError(f"Cannot change {', '.join(sorted(unknown))} of an integration.")
    # From the database: a ModelForm has already written the new values onto the admin's instance.
    before = integration_snapshot(Integration.objects.select_related("source", "destination").get(pk=integration.pk))
    for key, value in changes.items():
        setattr(integration, key, value)
    integration_check_connections(tenant=integration.tenant, flow_kind=integration.flow_kind, source=integration.source,
                       destination=integration.destination)
    integration_check_options(options=integration.options or {})
    integration.save()
    schedule_sync(integration=integration)
    after = integration_snapshot(integration)
    if moved:  # what the change means for data already written (integration_change), beside what changed
        before, after = {**before, "data": ""}, {**after, "data": " ".join(moved)}
    change_record(tenant=integration.tenant, actor=actor, obj=integration, object_type="integration",
                  action="updated", before=before, after=after)
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration, actor=None) -> None:
    change_record(tenant=integration.tenant, actor=actor, obj=integration, object_type="integration",
                  action="deleted", before=integration_snapshot(integration))
    schedule_remove(integration=integration)
    integration.delete()


# --- runs, mappings, releases and replays -------------------------------------------------

def integration_run_now(*, integration: Integration, trigger: str = "manual", dry_run: bool = False):
    """Queue a run on the worker fleet (after the surrounding transaction commits)."""
    from syncs.engine import sync_run_create
    from syncs.tasks import sync_run_task

    run = sync_run_create(integration=integration, trigger=trigger, dry_run=dry_run)
    transaction.on_commit(lambda: sync_run_task.delay(run.pk))
    return run


@transaction.atomic
def value_mapping_set(*, integration: Integration, map_name: str, source_value: str, target_value: str,
                      actor=None):
    """Create or change one value translation; records held for it are released on the worker."""
    from syncs.models import ValueMapping
    from syncs.tasks import held_release_task

    stored = ValueMapping.objects.filter(integration=integration, map_name=map_name, source_value=source_value).first()
    before = value_mapping_snapshot(stored) if stored else None
    mapping, created = ValueMapping.objects.update_or_create(
        integration=integration, map_name=map_name, source_value=source_value,
        defaults={"tenant": integration.tenant, "target_value": target_value})
    change_record(tenant=integration.tenant, actor=actor, obj=mapping, object_type="value_mapping",
                  action="created" if created else "updated", before=before, after=value_mapping_snapshot(mapping))
    key = f"{map_name}:{source_value}"
    transaction.on_commit(lambda: held_release_task.delay(integration.pk, [key]))
    return mapping


def held_release(*, integration: Integration, keys: list[str] | None = None, streams=None):
    """Write the held records whose missing mapping now exists. Returns the run, or None if nothing to do."""
    from syncs.engine import mapping_set_load, pending_process, sync_run_create
    from syncs.models import PendingRecord, SyncRun

    held = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD)
    if keys is not None:
        held = held.filter(missing_key__in=keys)
    values = mapping_set_load(integration=integration).values
    releasable = [p for p in held if p.missing_key.partition(":")[2] in values.get(p.missing_key.partition(":")[0], {})]
    if not releasable:
        return None
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)
    return pending_process(run=run, pending=releasable, streams=streams)


def records_replay(*, integration: Integration, pending_ids: list[int] | None = None, from_run=None, streams=None):
    """Replay failed, quarantined or held records (a selection, or all of one run's) through the normal path.

    The id map turns every replayed write into an upsert, so replaying twice never duplicates.
    """
    from syncs.engine import pending_process, sync_run_create
    from syncs.models import PendingRecord, SyncRun

    pending = PendingRecord.objects.filter(integration=integration).exclude(status=PendingRecord.Status.RESOLVED)
    if pending_ids is not None:
        pending = pending.filter(pk__in=pending_ids)
    if from_run is not None:
        pending = pending.filter(last_run=from_run)
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)
    return pending_process(run=run, pending=list(pending), streams=streams)


@transaction.atomic
def write_intent_resolve(*, integration: Integration, intent_id: int, target_id: str = ""):
    """A person settles a held write (its outcome was unknown and the destination cannot be searched).

    With `target_id` they found it at the destination: the write is confirmed and linked, so it is never
    written again. Without, they checked it is not there: the hold is lifted and the next replay writes it.
    Like the engine's settle, the intent, the id map and the pending record change in one transaction.
    """
    from django.utils import timezone

    from syncs.models import IdMap, PendingRecord, WriteIntent

    intent = WriteIntent.objects.select_for_update().get(integration=integration, pk=intent_id,
                                                         state=WriteIntent.State.HELD)
    pending = PendingRecord.objects.filter(integration=integration, stream=intent.stream, source_id=intent.source_id)
    if target_id:
        intent.state, intent.target_id = WriteIntent.State.CONFIRMED, target_id
        IdMap.objects.update_or_create(integration=integration, stream=intent.stream, source_id=intent.source_id,
                                       defaults={"target_id": target_id, "content_hash": intent.content_hash})
        pending.update(status=PendingRecord.Status.RESOLVED, missing_key="", updated_at=timezone.now())
    else:
        intent.state = WriteIntent.State.FAILED
        intent.error_message = "Checked by a person: not at the destination; written again on replay."
    intent.settled_at = timezone.now()
    intent.save(update_fields=["state", "target_id", "error_message", "settled_at"])
    return intent
