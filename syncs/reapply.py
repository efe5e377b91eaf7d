"""Re-applying a changed value mapping to the records it already wrote.

A record's audit row keeps the value translations it went through (`mapping_used["value mappings"]`,
"map:source value" → target, see syncs/mapping.py). A record is *affected* by a mapping when its latest
write went through that mapping with a target other than the mapping's current one: the destination still
carries the old value. Re-applying reads those records again from the source (by id where the stream can,
else by walking it from the start without touching its cursor; a record gone from the source falls back to
the copy kept when it was held or failed) and runs them through the engine as one run, so the id map makes
each an update, written once.

Writes made before translations were recorded carry no `mapping_used["value mappings"]`. Such a record is
traced from a later *skip* row (read again, found unchanged since that write): the skip's translations are
what produced the content at the destination. The rest are *untraced*, counted per stream that uses the map;
the confirmation page says so and offers to re-read them as well, which is safe: one whose mapping did not
change maps to the content already written and is skipped as unchanged, not written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from audit.models import AuditRecord
from syncs.mapping import VALUES_USED
from syncs.models import Integration, PendingRecord, SyncRun, ValueMapping

WRITES = (AuditRecord.Action.CREATE, AuditRecord.Action.UPDATE)
SKIP = AuditRecord.Action.SKIP
UNTRACED = object()  # the latest write of a record kept no translations


@dataclass
class Affected:
    """The records a mapping wrote with another target than its current one, per stream."""

    mapping: ValueMapping
    records: dict[str, list[str]] = field(default_factory=dict)  # stream → source ids
    old_targets: dict[str, int] = field(default_factory=dict)  # old target → how many records carry it
    # stream → source ids written before translations were recorded (streams using this map only)
    untraced: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.records.values())

    @property
    def untraced_count(self) -> int:
        return sum(len(ids) for ids in self.untraced.values())

    def to_reread(self, *, include_untraced: bool) -> dict[str, list[str]]:
        if not include_untraced:
            return self.records
        merged = {stream: list(ids) for stream, ids in self.records.items()}
        for stream, ids in self.untraced.items():
            merged.setdefault(stream, []).extend(ids)
        return merged


def streams_using(mapping: ValueMapping) -> set[str]:
    """The integration's streams that translate through the mapping's map, as the streams declare it."""
    from syncs.engine import flow_context
    from syncs.engine.read import flow_streams

    integration = mapping.integration
    try:
        streams = flow_streams(integration=integration, ctx=flow_context(integration=integration))
    except Exception:  # options the flow refuses, a flow no longer built: nothing can be re-read anyway
        return set()
    return {s.name for s in streams
            if mapping.map_name in s.value_maps or any(r.value_map == mapping.map_name for r in s.rules)}


def mapping_affected_records(*, mapping: ValueMapping) -> Affected:
    key = f"{mapping.map_name}:{mapping.source_value}"
    latest: dict[tuple[str, str], object] = {}
    # Oldest first, so each record ends with its latest write. Every write of the integration is read (streamed):
    # a filter on the JSON would let an older write stand in for a newer one that no longer used the mapping.
    rows = (AuditRecord.objects.filter(tenant_id=mapping.tenant_id, integration_id=mapping.integration_id,
                                       action__in=(*WRITES, SKIP), outcome=AuditRecord.Outcome.OK)
            .exclude(source_ref="").order_by("created_at", "pk")
            .values_list("action", "stream", "source_ref", "mapping_used"))
    for action, stream, source_ref, used in rows.iterator():
        values = (used or {}).get(VALUES_USED) if isinstance(used, dict) else None
        if action == SKIP:
            # Unchanged since the last write: its translations produced what the destination holds.
            if isinstance(values, dict) and latest.get((stream, source_ref)) is UNTRACED:
                latest[(stream, source_ref)] = values.get(key)
            continue
        recorded = isinstance(used, dict) and VALUES_USED in used
        latest[(stream, source_ref)] = values.get(key) if isinstance(values, dict) else \
            (None if recorded else UNTRACED)
    affected = Affected(mapping)
    using: set[str] | None = None
    for (stream, source_ref), target in latest.items():
        if target is UNTRACED:
            using = streams_using(mapping) if using is None else using
            if stream in using:
                affected.untraced.setdefault(stream, []).append(source_ref)
        elif target is not None and target != mapping.target_value:
            affected.records.setdefault(stream, []).append(source_ref)
            affected.old_targets[target] = affected.old_targets.get(target, 0) + 1
    return affected


def mapping_reapply_queue(*, mapping: ValueMapping, include_untraced: bool = False) -> int:
    """Queue the re-write of the affected records (and the untraced ones, if asked) on the worker. Returns how
    many records will be read again."""
    from syncs.tasks import mapping_reapply_task

    affected = mapping_affected_records(mapping=mapping)
    count = affected.count + (affected.untraced_count if include_untraced else 0)
    if count:
        transaction.on_commit(lambda: mapping_reapply_task.delay(mapping.pk, include_untraced))
    return count


def _records_of(stream, integration: Integration, source_ids: list[str]) -> list[dict]:
    """The records' current state at the source: by id where the stream can read by id (webhook streams take
    the vendor's record id, which need not be our source id), else by walking the stream from the start."""
    from syncs.engine.read import source_id_of
    from syncs.flows.base import Trigger

    wanted, found = set(source_ids), {}

    def keep(records) -> None:
        for record in records:
            try:
                source_id = source_id_of(stream, record)
            except Exception:  # an unusable record is the normal run's business, not this one's
                continue
            if source_id in wanted:
                found[source_id] = record

    if Trigger.WEBHOOK in stream.triggers:  # it can read named records back; else the walk below
        keep(stream.fetch_records(source_ids))
    if len(found) < len(wanted):
        for page in stream.fetch({}):  # a full walk; the stream's saved cursor is not touched
            keep(page.records)
            if len(found) == len(wanted):
                break
    missing = wanted - set(found)
    if missing:  # gone from the source: the copy kept when it was held or failed, if any
        kept = PendingRecord.objects.filter(integration=integration, stream=stream.name, source_id__in=missing)
        keep(p.payload for p in kept if p.payload)
    return list(found.values())


def mapping_reapply(*, mapping: ValueMapping, include_untraced: bool = False) -> SyncRun | None:
    """Re-write the affected records now (on the worker), as one replay run. None if nothing is affected.
    `include_untraced`: read the untraced ones again too (those unchanged are skipped, not written)."""
    from syncs.engine import sync_run_create, sync_run_work

    reread = mapping_affected_records(mapping=mapping).to_reread(include_untraced=include_untraced)
    if not reread:
        return None
    integration = mapping.integration
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)

    def work(state) -> None:
        for name, source_ids in reread.items():
            stream = state.stream(name)
            if stream is not None:
                state.process(stream, _records_of(stream, integration, source_ids))

    return sync_run_work(run=run, work=work)
