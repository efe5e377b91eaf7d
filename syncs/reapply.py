"""Re-applying a changed value mapping to the records it already wrote.

A record's audit row keeps the value translations it went through (`mapping_used["value mappings"]`,
"map:source value" → target, see syncs/mapping.py). A record is *affected* by a mapping when its latest
write went through that mapping with a target other than the mapping's current one: the destination still
carries the old value. Re-applying reads those records again from the source (by id where the stream can,
else by walking it from the start without touching its cursor; a record gone from the source falls back to
the copy kept when it was held or failed) and runs them through the engine as one run, so the id map makes
each an update, written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from audit.models import AuditRecord
from syncs.mapping import VALUES_USED
from syncs.models import Integration, PendingRecord, SyncRun, ValueMapping

WRITES = (AuditRecord.Action.CREATE, AuditRecord.Action.UPDATE)


@dataclass
class Affected:
    """The records a mapping wrote with another target than its current one, per stream."""

    mapping: ValueMapping
    records: dict[str, list[str]] = field(default_factory=dict)  # stream → source ids
    old_targets: dict[str, int] = field(default_factory=dict)  # old target → how many records carry it

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.records.values())


def mapping_affected_records(*, mapping: ValueMapping) -> Affected:
    key = f"{mapping.map_name}:{mapping.source_value}"
    latest: dict[tuple[str, str], str | None] = {}
    # Oldest first, so each record ends with its latest write. Every write of the integration is read (streamed):
    # a filter on the JSON would let an older write stand in for a newer one that no longer used the mapping.
    rows = (AuditRecord.objects.filter(tenant_id=mapping.tenant_id, integration_id=mapping.integration_id,
                                       action__in=WRITES, outcome=AuditRecord.Outcome.OK)
            .exclude(source_ref="").order_by("created_at", "pk")
            .values_list("stream", "source_ref", "mapping_used"))
    for stream, source_ref, used in rows.iterator():
        values = (used or {}).get(VALUES_USED) if isinstance(used, dict) else None
        latest[(stream, source_ref)] = values.get(key) if isinstance(values, dict) else None
    affected = Affected(mapping)
    for (stream, source_ref), target in latest.items():
        if target is not None and target != mapping.target_value:
            affected.records.setdefault(stream, []).append(source_ref)
            affected.old_targets[target] = affected.old_targets.get(target, 0) + 1
    return affected


def mapping_reapply_queue(*, mapping: ValueMapping) -> int:
    """Queue the re-write of the affected records on the worker. Returns how many are affected now."""
    from syncs.tasks import mapping_reapply_task

    count = mapping_affected_records(mapping=mapping).count
    if count:
        transaction.on_commit(lambda: mapping_reapply_task.delay(mapping.pk))
    return count


def _records_of(stream, integration: Integration, source_ids: list[str]) -> list[dict]:
    """The records' current state at the source: by id where the stream can read by id (webhook streams take
    the vendor's record id, which need not be our source id), else by walking the stream from the start."""
    from syncs.engine.read import source_id_of

    wanted, found = set(source_ids), {}

    def keep(records) -> None:
        for record in records:
            try:
                source_id = source_id_of(stream, record)
            except Exception:  # an unusable record is the normal run's business, not this one's
                continue
            if source_id in wanted:
                found[source_id] = record

    try:
        keep(stream.fetch_records(source_ids))
    except NotImplementedError:
        pass
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


def mapping_reapply(*, mapping: ValueMapping) -> SyncRun | None:
    """Re-write the affected records now (on the worker), as one replay run. None if nothing is affected."""
    from syncs.engine import sync_run_create, sync_run_work

    affected = mapping_affected_records(mapping=mapping)
    if not affected.count:
        return None
    integration = mapping.integration
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)

    def work(state) -> None:
        for name, source_ids in affected.records.items():
            stream = state.stream(name)
            if stream is not None:
                state.process(stream, _records_of(stream, integration, source_ids))

    return sync_run_work(run=run, work=work)
