"""A dry run as people read it: one table per stream, each record by its name, an update as the fields it
changes (before → after, the before read from the destination), the fix for each held record, and a
warning when another integration already syncs the same pair of connections.

Shared by the setup wizard's preview step and the dashboard's dry run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q

from audit.models import AuditRecord
from audit.redaction import redact_text
from audit.selectors import audit_record_list
from connections.vendors.errors import VendorError
from syncs.diff import FieldChange, field_changes, record_name
from syncs.models import Integration, SyncRun

ACTIONS = {AuditRecord.Action.CREATE: "create", AuditRecord.Action.UPDATE: "update",
           AuditRecord.Action.SKIP: "unchanged", AuditRecord.Action.HOLD: "hold",
           AuditRecord.Action.QUARANTINE: "invalid", AuditRecord.Action.FAIL: "fail"}
SHOWS_PAYLOAD = {"create", "update"}  # a held or invalid record's payload is the source record, not a write
BEFORE_FROM_DESTINATION = "destination"
BEFORE_AS_LAST_WRITTEN = "last_written"


@dataclass
class PreviewRow:
    stream: str
    source_id: str
    action: str
    payload: str  # what would be written, as JSON ("" when nothing is)
    reason: str
    name: str = ""
    target_id: str = ""
    changes: list[FieldChange] = field(default_factory=list)  # updates: the fields that change
    before_basis: str = ""  # where `changes`' before values come from
    fix_query: str = ""  # held for a missing value mapping: the query of the pre-filled mapping form
    after: dict | None = None  # updates: what would be written


@dataclass
class StreamPreview:
    stream: str
    rows: list[PreviewRow] = field(default_factory=list)


@dataclass
class Preview:
    run: SyncRun
    rows: list[PreviewRow]
    notes: list[str]
    counts: dict[str, int]
    overlaps: list[Integration] = field(default_factory=list)
    before_error: str = ""  # the destination could not be read for the updates' before values

    @property
    def streams(self) -> list[StreamPreview]:
        by_stream: dict[str, StreamPreview] = {}
        for row in self.rows:
            by_stream.setdefault(row.stream, StreamPreview(row.stream)).rows.append(row)
        return list(by_stream.values())


# The one write here: a dry run writes nothing at the destination, only its run and audit rows.
def integration_dry_run(*, integration: Integration, limit: int, from_start: bool = False) -> SyncRun:
    """A dry run of the first `limit` records of each stream, now: mapped and audited, nothing written.
    `from_start`: as a first sync reads them, not only the changes since the last run."""
    from syncs.engine import sync_run_create, sync_run_execute

    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.MANUAL, dry_run=True)
    try:
        return sync_run_execute(run=run, limit=limit, from_start=from_start)
    except VendorError:  # a vendor that is down ends the run as failed; the error is on the run
        run.refresh_from_db()
        return run


def integration_overlaps(*, integration: Integration) -> list[Integration]:
    """Other integrations of the tenant between the same two connections (either way round): two syncs
    writing the same records fight over them."""
    pair = (Q(source_id=integration.source_id, destination_id=integration.destination_id)
            | Q(source_id=integration.destination_id, destination_id=integration.source_id))
    return list(Integration.objects.filter(pair, tenant_id=integration.tenant_id).exclude(pk=integration.pk)
                .order_by("name"))


def latest_dry_run(*, integration: Integration) -> SyncRun | None:
    return (SyncRun.objects.filter(tenant_id=integration.tenant_id, integration=integration, dry_run=True)
            .order_by("-queued_at", "-pk").first())


def preview_of(*, run: SyncRun, read_destination: bool = True) -> Preview:
    """The dry run's audit rows as the preview: what would be written, or why not."""
    rows, notes = [], []
    counts = dict.fromkeys(("create", "update", "unchanged", "hold", "invalid", "fail"), 0)
    for record in audit_record_list(tenant=run.tenant, run_id=run.pk).order_by("pk"):
        if not record.source_ref:  # a run-level note (e.g. fields the vendor hid)
            notes.append(record.reason)
            continue
        action = ACTIONS.get(record.action, record.action)
        counts[action] = counts.get(action, 0) + 1
        payload = (json.dumps(record.payload, indent=2, ensure_ascii=False, sort_keys=True)
                   if action in SHOWS_PAYLOAD else "")
        reason = "" if record.reason.startswith("dry run") else record.reason
        row = PreviewRow(record.stream, record.source_ref, action, payload, reason,
                         name=record_name(record.payload), target_id=record.target_ref)
        missing = (record.mapping_used or {}).get("missing") if action == "hold" else None
        if missing and ":" in str(missing):
            map_name, _, source_value = str(missing).partition(":")
            row.fix_query = urlencode({"integration": run.integration_id, "map_name": map_name,
                                       "source_value": source_value})
        row.after = record.payload if action == "update" else None
        rows.append(row)
    preview = Preview(run, rows, notes, counts, overlaps=integration_overlaps(integration=run.integration))
    _names_as_last_written(preview)
    _updates_before(preview, read_destination=read_destination)
    return preview


def _names_as_last_written(preview: Preview) -> None:
    """An unchanged record carries no payload in the dry run: it is named as this integration last wrote it."""
    nameless = {(row.stream, row.source_id) for row in preview.rows if not row.name}
    if not nameless:
        return
    run = preview.run
    names: dict[tuple[str, str], str] = {}
    written = (audit_record_list(tenant=run.tenant, integration_id=run.integration_id)
               .filter(action__in=[AuditRecord.Action.CREATE, AuditRecord.Action.UPDATE],
                       outcome=AuditRecord.Outcome.OK, source_ref__in={ref for _, ref in nameless})
               .order_by("pk").values_list("stream", "source_ref", "payload"))
    for stream, ref, payload in written.iterator():
        names[(stream, ref)] = record_name(payload) or names.get((stream, ref), "")
    for row in preview.rows:
        row.name = row.name or names.get((row.stream, row.source_id), "")


def _updates_before(preview: Preview, *, read_destination: bool) -> None:
    """Each update's changed fields: before from the destination (the stream's `current` hook), else as this
    integration last wrote the record."""
    updates = [row for row in preview.rows if row.action == "update"]
    if not updates:
        return
    streams = {}
    if read_destination:
        from syncs.engine import flow_context, flow_streams

        integration = preview.run.integration
        try:
            streams = {s.name: s for s in flow_streams(integration=integration,
                                                       ctx=flow_context(integration=integration))}
        except VendorError as error:
            preview.before_error = redact_text(str(error))
    for row in updates:
        before, basis = None, BEFORE_AS_LAST_WRITTEN
        stream = streams.get(row.stream)
        if stream is not None and row.target_id:
            try:
                before = stream.current(row.target_id, row.after or {})
            except VendorError as error:
                preview.before_error = redact_text(str(error))
            basis = BEFORE_FROM_DESTINATION if before is not None else basis
        if before is None:
            before, basis = _last_written(preview.run, row), BEFORE_AS_LAST_WRITTEN
        row.changes, row.before_basis = field_changes(before or {}, row.after or {}), basis


def _last_written(run: SyncRun, row: PreviewRow) -> dict | None:
    last = (audit_record_list(tenant=run.tenant, integration_id=run.integration_id, stream=row.stream,
                              source_ref=row.source_id)
            .filter(action__in=[AuditRecord.Action.CREATE, AuditRecord.Action.UPDATE],
                    outcome=AuditRecord.Outcome.OK).first())
    return last.payload if last else None
