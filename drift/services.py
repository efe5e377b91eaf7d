"""Making a drift report, and fixing what it found.

    report (queued) ──► on the worker, under the integration's lease (the one a sync takes: never compared while a
    sync of it is mid-write; a held lease retries the task later, then ends the report SKIPPED):
    for each stream that declares a comparison:
        read every current source record (stream.drift_source, through the vendor client and its shared limiter)
        map it with the current mappings (stream.drift_map; held / quarantined ones are counted, not compared)
        stream.drift_compare(given) → findings;  stream.control_totals(given) → totals
    ──► items saved, report done ──► a notice when anything differs (notifications)

Fixing an item goes through the engine: a re-sync forgets what the id map says was written (or, for a record
gone from the destination, its target) and runs the source record through plan → intents → write as one run
of the integration, under its lease; a release accepts the destination as it is, until it changes again.
"""
from __future__ import annotations

import hashlib
import json
import logging

from django.db import transaction
from django.utils import timezone

from connections.vendors.errors import VendorError
from drift.models import DriftItem, DriftReport
from mlconnector.logs import log_context
from syncs.engine import flow_context, flow_streams, mapping_set_load, records_process, sync_run_create
from syncs.flows.drift import DriftInput, Finding, Written
from syncs.errors import RunSkipped, error_fields
from syncs.locks import lease_kept_alive, lock_acquire
from syncs.mapping import InvalidRecord, MissingMapping
from syncs.models import IdMap, Integration, SyncRun, WriteIntent

logger = logging.getLogger(__name__)
I = DriftItem.State


def drift_report_create(*, integration: Integration, trigger: str = DriftReport.Trigger.MANUAL) -> DriftReport:
    return DriftReport.objects.create(tenant=integration.tenant, integration=integration, trigger=trigger)


def drift_report_queue(*, integration: Integration, trigger: str = DriftReport.Trigger.MANUAL) -> DriftReport:
    """A report made on the worker fleet (after the surrounding transaction commits)."""
    from drift.tasks import drift_report_task

    report = drift_report_create(integration=integration, trigger=trigger)
    transaction.on_commit(lambda: drift_report_task.delay(report.pk))
    return report


def _progress(report: DriftReport, **fields) -> None:
    for name, value in fields.items():
        setattr(report, name, value)
    DriftReport.objects.filter(pk=report.pk).update(**fields)


class IntegrationBusy(Exception):
    """A sync of the integration holds its lease: the report is not made now (the task tries again later)."""


BUSY = "A sync of this integration was running, so nothing was compared; the next report will compare."


def drift_report_run(*, report: DriftReport, skip_if_busy: bool = True) -> DriftReport:
    """Compare every declaring stream of the integration under its lease; vendor errors end the report FAILED
    with their columns. A lease held by a sync ends it SKIPPED, or raises IntegrationBusy (`skip_if_busy` False:
    the task retries)."""
    integration = report.integration
    with log_context(tenant_id=report.tenant_id, integration_id=integration.pk):
        # The sync's own lease: a report that read the destination while a run was writing it would call the
        # run's half-written page drift (and a re-sync from it would race the run).
        lease = lock_acquire(integration_id=integration.pk)
        if lease is None:
            if not skip_if_busy:
                raise IntegrationBusy(BUSY)
            _progress(report, status=DriftReport.Status.SKIPPED, finished_at=timezone.now(),
                      **error_fields(RunSkipped(BUSY)))
            return report
        try:
            with lease_kept_alive(lease=lease):
                _compare(report, lease)
        finally:
            lease.release()
    if report.found or report.totals_off:
        from notifications.services import drift_found_notify

        transaction.on_commit(lambda: drift_found_notify(report=report), robust=True)
    return report


def _compare(report: DriftReport, lease) -> None:
    integration = report.integration
    _progress(report, status=DriftReport.Status.RUNNING, started_at=timezone.now())
    try:
        ctx = flow_context(integration=integration, started_at=timezone.now())
        streams = flow_streams(integration=integration, ctx=ctx)
        mappings = mapping_set_load(integration=integration)
        _progress(report, streams_total=len(streams))
        items, totals = [], []
        for stream in streams:
            if not stream.drift_declared():  # e.g. a flow's journals, until they declare a comparison
                _progress(report, streams_done=report.streams_done + 1)
                continue
            _progress(report, stream=stream.name)
            given = _source_read(report, stream, mappings)
            given.written, given.rows_written = _written(integration, stream.name)
            findings = stream.drift_compare(given)
            if findings is not None:
                items += [_item(report, stream.name, f, given) for f in findings]
                totals += [{"stream": stream.name, "label": t.label, "group": t.group, "source": t.source,
                            "destination": t.destination} for t in stream.control_totals(given)]
            _progress(report, streams_done=report.streams_done + 1)
        if lease.lost:  # a sync took the lease over (ours stopped renewing): what was read may be mid-write
            raise RunSkipped("A sync of this integration started while the report was comparing; the next "
                             "report will compare again.")
        _save(report, items, totals)
    except Exception as error:
        _progress(report, status=DriftReport.Status.FAILED, finished_at=timezone.now(), **error_fields(error))
        logger.warning("Drift report %s failed: %s", report.pk, error)
        if not isinstance(error, (VendorError, RunSkipped)):  # our own bug: recorded, and raised to be seen
            raise


def _source_read(report: DriftReport, stream, mappings) -> DriftInput:
    given = DriftInput(mappings=mappings)
    for records in stream.drift_source():
        for record in records:
            try:
                source_id = str(stream.source_id(record))
            except Exception:
                continue  # no usable id: quarantined by the sync already, nothing to compare
            try:
                given.expected[source_id] = stream.drift_map(record, mappings)
                given.records[source_id] = record
            except (MissingMapping, InvalidRecord, KeyError, TypeError, ValueError):
                given.unmappable.add(source_id)
        _progress(report, source_read=report.source_read + len(records))
    return given


def _written(integration: Integration, stream: str) -> tuple[dict[str, Written], int]:
    """What the engine last wrote per source id: the id map's target, and the newest confirmed intent's payload."""
    payloads = {}
    confirmed = WriteIntent.objects.filter(integration=integration, stream=stream, state=WriteIntent.State.CONFIRMED)
    for intent in confirmed.order_by("settled_at", "pk").only("source_id", "content_hash", "payload").iterator():
        payloads[(intent.source_id, intent.content_hash)] = intent.payload
    written = {m.source_id: Written(m.target_id, m.content_hash, payloads.get((m.source_id, m.content_hash)))
               for m in IdMap.objects.filter(integration=integration, stream=stream).iterator()}
    return written, confirmed.count()


def _fingerprint(stream: str, finding: Finding) -> str:
    basis = [stream, finding.kind, finding.source_id, finding.target_id,
             [d.as_json() for d in finding.diffs]]
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()


def _item(report: DriftReport, stream: str, finding: Finding, given: DriftInput) -> DriftItem:
    return DriftItem(tenant=report.tenant, report=report, integration=report.integration, stream=stream,
                     source_id=finding.source_id, target_id=finding.target_id, kind=finding.kind,
                     diffs=[d.as_json() for d in finding.diffs], note=finding.note[:200],
                     payload=given.records.get(finding.source_id) or {}, fingerprint=_fingerprint(stream, finding))


@transaction.atomic
def _save(report: DriftReport, items: list[DriftItem], totals: list[dict]) -> None:
    released = set(DriftItem.objects.filter(integration=report.integration, state=I.RELEASED,
                                            fingerprint__in=[i.fingerprint for i in items])
                   .values_list("fingerprint", flat=True))
    counts = dict.fromkeys(DriftItem.Kind.values, 0)
    for item in items:
        if item.fingerprint in released:  # released before and unchanged since: still accepted
            item.state = I.RELEASED
        else:
            counts[item.kind] += 1
    DriftItem.objects.bulk_create(items, batch_size=500)
    _progress(report, status=DriftReport.Status.DONE, finished_at=timezone.now(), totals=totals, stream="", **counts)


# --- fixing ---------------------------------------------------------------------------------------------

class DriftFixRefused(ValueError):
    """The item cannot be fixed that way (an extra record has no source to re-sync from)."""


@transaction.atomic
def drift_item_release(*, item: DriftItem, actor=None) -> DriftItem:
    """Accept the destination as it is: this difference is not reported again until something changes."""
    item.state, item.fixed_by, item.fixed_at = I.RELEASED, actor, timezone.now()
    item.save(update_fields=["state", "fixed_by", "fixed_at"])
    return item


def drift_item_resync(*, item: DriftItem, actor=None) -> SyncRun:
    """Write the source's current record again through the engine (one run, under the integration's lease).

    The id map says the destination has what was last written, so the engine would skip it as unchanged: the
    row is marked so the same content is an update (a record gone from the destination is created again)."""
    if item.kind == DriftItem.Kind.EXTRA or not item.payload:
        raise DriftFixRefused("An extra record has no source record to re-sync from; release it, or remove it at "
                              "the destination.")
    integration = item.integration
    with transaction.atomic():
        id_map = IdMap.objects.filter(integration=integration, stream=item.stream, source_id=item.source_id)
        if item.kind == DriftItem.Kind.MISSING:
            id_map.delete()  # its target is gone: the write is a create
        else:
            id_map.update(content_hash=f"drift:{item.pk}:{timezone.now().timestamp()}"[:64])
        DriftItem.objects.filter(pk=item.pk).update(state=I.RESYNCING, fixed_by=actor, fixed_at=timezone.now())
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)
    counts = records_process(run=run, stream_name=item.stream, records=[item.payload])
    run.refresh_from_db()
    written = counts["created"] + counts["updated"] + counts["unchanged"]
    state = I.RESYNCED if written and run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL) else I.FAILED
    DriftItem.objects.filter(pk=item.pk).update(state=state, fix_run=run)
    item.state, item.fix_run = state, run
    return run


def drift_items_resync_queue(*, items: list[DriftItem], actor=None) -> int:
    """Re-syncs run on the worker; extra records are skipped (they have nothing to re-sync from)."""
    from drift.tasks import drift_item_resync_task

    queued = [i for i in items if i.kind != DriftItem.Kind.EXTRA and i.state in (I.OPEN, I.FAILED)]
    DriftItem.objects.filter(pk__in=[i.pk for i in queued]).update(state=I.RESYNCING, fixed_by=actor,
                                                                   fixed_at=timezone.now())
    for item in queued:
        transaction.on_commit(lambda pk=item.pk: drift_item_resync_task.delay(pk))
    return len(queued)
