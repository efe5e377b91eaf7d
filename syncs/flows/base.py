"""What a flow gives the engine: streams that declare how they work, fetch pages, map records (pure)
and write them.

A stream *declares* its behaviour, the way an Airbyte stream declares `primary_key` and
`cursor_field`: how changes arrive (`triggers`), how its records are written (`write_mode`), how an
earlier write is found at the destination (`natural_key` / `reconcile`) and how many records one
destination call takes (`batch_size`). The engine reads the declarations; it never asks which flow
or vendor it is dealing with.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, Iterator

from syncs.flows.drift import ControlTotal, DriftInput, Finding, compare_by_key
from syncs.mapping import FieldRule, MappingSet, apply_rules


@dataclass
class Page:
    records: list[dict]
    cursor: dict  # saved once every record of this page is processed


class Trigger(StrEnum):
    """How a stream learns of changes: by polling its cursor, or from inbound events (webhooks)."""

    POLL = "poll"  # the engine fetches pages from a cursor on the schedule
    WEBHOOK = "webhook"  # the vendor notifies; the stream fetches the named records (fetch_records)


class WriteMode(StrEnum):
    UPSERT = "upsert"  # one destination record per source record, created once then updated
    APPEND = "append"  # rows added, never updated (Power BI push datasets); found again by a batch id
    REFERENCE = "reference"  # nothing is written: the record is checked and linked (a department → cost center)
    AGGREGATE = "aggregate"  # many source records become one destination record (a pay run → a journal)


class NotReconcilable(Exception):
    """The destination cannot be searched for an earlier write: an unknown outcome is held for a person."""


@dataclass
class FlowContext:
    integration: Any
    source: Any  # vendor client
    destination: Any  # vendor client
    options: dict = field(default_factory=dict)
    # When the run began, by our clock: the next watermark is derived from it, never from the vendor's
    # newest timestamp (a record changed during the walk, or one dated 2999, would otherwise be lost).
    started_at: datetime | None = None
    clock_skew: timedelta = timedelta(minutes=5)
    dry_run: bool = False  # a preview: nothing may be written to the destination, not even its setup
    # What setup done by this run's streams has to say (a monday board set up and its webhook registered),
    # handed to the audit trail once by the stream's notes().
    setup_notes: list[str] = field(default_factory=list)

    def started_iso(self) -> str:
        return (self.started_at or datetime.now(timezone.utc)).isoformat()

    def watermark_next(self, walk_started: datetime | None = None) -> datetime:
        """Where the next delta starts: when the walk began less the clock-skew overlap, never past now."""
        now = datetime.now(timezone.utc)
        start = walk_started or self.started_at or now
        return min(start, now) - self.clock_skew


@dataclass
class Intent:
    """One planned destination write as the stream sees it (a plain object, safe to hand to a thread).

    `key` is the write's idempotency key (deterministic: integration, stream, source id, content);
    streams that can carry it put it in the destination record (an external reference, a batch id)
    or send it as the vendor's idempotency header.
    """

    key: str
    source_id: str
    mapped: dict
    record: Any
    target_id: str | None = None
    batch: str = ""
    # Set by a write that did more than one thing (a corrected journal: reversed, then posted anew), for the
    # audit row's reason, so both destination records are linked in the trail.
    note: str = ""


@dataclass(frozen=True)
class ValueMapChoices:
    """What the setup wizard offers for one value mapping: the source's and the destination's real values.

    Values are (value stored in the mapping, what the user sees) pairs; no target values means the
    target is typed in.
    """

    map_name: str
    label: str  # "Rippling department → Visma department"
    source_values: list[tuple[str, str]] = field(default_factory=list)
    target_values: list[tuple[str, str]] = field(default_factory=list)
    # What the flow uses for a source value nobody mapped (source value → target value), so the wizard can say
    # "default: …" instead of claiming such records are held.
    defaults: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OptionChoice:
    """An integration option the setup wizard asks about (a flow module's `OPTION_CHOICES`), e.g. how an org
    hierarchy is kept. `choices` are (what is stored in Integration.options, what the user reads); the first
    is the default."""

    name: str
    label: str
    choices: tuple[tuple[Any, str], ...]
    # A dropdown of values read live (a flow module's `option_choices(ctx)`, e.g. the monday boards): the value
    # posted is stored as it is (a string), once the flow's `options_check(ctx, options)` accepts it.
    dropdown: bool = False


@dataclass(frozen=True)
class OptionMove:
    """What a flow module's optional `options_moves(ctx, before, after)` hook returns for an options change that
    sends a resource somewhere else (a monday board picked anew after go-live): the streams whose id map and
    cursor no longer describe the new destination, and the sentence the change log and the page show."""

    option: str
    streams: tuple[str, ...]
    sentence: str


@dataclass
class MappingChoices:
    """What a flow module's optional `mapping_choices(ctx)` hook returns, read live from both vendors."""

    value_maps: list[ValueMapChoices] = field(default_factory=list)
    source_fields: dict[str, list[str]] = field(default_factory=dict)  # stream → dotted paths of a real record
    # stream → (path, label) of the destination's real fields, e.g. monday columns by title
    target_fields: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # One real source record as the destination would hold it: a title ("Supplier invoice 000001 – …") and
    # (destination field, its type, the value sent) rows; empty when the flow offers no preview.
    preview_title: str = ""
    preview: list[tuple[str, str, str]] = field(default_factory=list)


class Stream(ABC):
    """One kind of record moving from source to destination."""

    name: str = ""
    triggers: frozenset[Trigger] = frozenset({Trigger.POLL})
    write_mode: WriteMode = WriteMode.UPSERT
    batch_size: int = 1  # > 1: the engine calls write_batch with up to this many intents
    # True when fetch only talks HTTP (no database, no shared state the page's writes change): the engine
    # then reads the next page on a thread while it writes this one.
    read_ahead: bool = False
    # Default field rules; customers override them with FieldMapping rows.
    rules: list[FieldRule] = []
    # Value mappings map() uses beyond those its rules name (map name → label), for the setup wizard.
    value_maps: dict[str, str] = {}
    # Inbound event types (the vendor's words, e.g. "employee.updated") this stream re-reads records for.
    webhook_events: frozenset[str] = frozenset()
    # Which connection of the integration sends those events: "source" (a change to re-read and write), or
    # "destination" for a stream that flows back (a status set on a monday.com board, written to Visma).
    webhook_from: str = "source"
    # How long after an unknown outcome (a timeout, a 5xx after sending) the destination can be trusted to show
    # the write. A vendor that applies writes late would otherwise be searched too soon, the write found
    # "absent" and sent twice. 0: looked up at once. More: the intent waits unsettled while the run goes on,
    # and is reconciled once due, later in the run or by the next one (syncs/engine/orphans.py).
    reconcile_after_seconds: float = 0

    # A stream fed by webhooks (Trigger.WEBHOOK) defines `fetch_records(source_ids) -> list[dict]`: the current
    # state of the records an event names (notifications carry no data), leaving out ids the source no longer
    # has. Checked when the stream class is defined, not when the first event arrives.
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Trigger.WEBHOOK in cls.triggers and not callable(getattr(cls, "fetch_records", None)):
            raise TypeError(f"{cls.__name__} is triggered by webhooks but defines no fetch_records(source_ids).")

    def __init__(self, ctx: FlowContext):
        self.ctx = ctx
        self.source = ctx.source
        self.destination = ctx.destination

    @abstractmethod
    def fetch(self, cursor: dict) -> Iterator[Page]:
        """Pages of source records changed since `cursor` (a dict this stream alone understands)."""

    def current(self, target_id: str, mapped: dict) -> dict | None:
        """The destination's present values of the fields `mapped` writes (dotted path → value), for a
        preview's before → after; None when the stream cannot read them back (the preview then shows the
        values this integration last wrote)."""
        return None

    def consumes(self, event_type: str, connection_id: int | None = None) -> bool:
        """Whether this stream re-reads records for `event_type` events (sent by `connection_id`, if given)."""
        if connection_id is not None and getattr(self.ctx.integration, f"{self.webhook_from}_id", None) != connection_id:
            return False
        return Trigger.WEBHOOK in self.triggers and event_type in self.webhook_events

    def source_id(self, record: dict) -> str:
        return str(record["id"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        return apply_rules(record, mappings.rules_for(self.name, self.rules), mappings)

    def natural_key(self, mapped: dict) -> str | None:
        """The destination's own key for this record (a Visma employee number), if it has one."""
        return None

    def reconcile(self, intent: Intent) -> str | None:
        """Find an earlier write of `intent` at the destination: its target id, or None if it is not there.

        Called before a write whose earlier attempt has an unknown outcome (a crash after sending, a
        timeout, a 5xx). Raise NotReconcilable when the destination cannot be searched.
        """
        raise NotReconcilable(f"{self.name}: the destination cannot be searched for an earlier write.")

    def missing_reference(self, error: Exception, intent: Intent) -> str | None:
        """A refusal that names a value the destination does not have (a dimension value, a location), as the
        `map_name:source_value` of the mapping that produced it: the record is then held with the vendor's own
        words, not failed, and released when that mapping changes or on the next run (the value may exist by
        then). None: the refusal is a failure."""
        return None

    def write(self, mapped: dict, target_id: str | None, record: dict) -> str:
        """Create (target_id None) or update the destination record; return its id.

        A stream overrides one of write / write_intent (it needs the intent's key) / write_batch; a stream
        that writes nothing (reference mode) never gets here."""
        raise TypeError(f"{type(self).__name__} overrides none of write, write_intent or write_batch.")

    def write_intent(self, intent: Intent) -> str:
        """One write. Override to carry the intent's key (an external reference or idempotency header)."""
        return self.write(intent.mapped, intent.target_id, intent.record)

    def write_batch(self, intents: list[Intent]) -> list[str]:
        """A batch of writes in one destination call (batch_size > 1); one target id per intent."""
        return [self.write_intent(intent) for intent in intents]

    def notes(self) -> list[str]:
        """Run-level remarks to report once (e.g. fields the token may not read)."""
        return []

    # --- the drift report (drift/services.py, docs/operations.md "Drift report"): what differs right now ---
    # A stream takes part by overriding drift_destination (an upsert stream with a key: the generic comparison)
    # or drift_compare itself (append streams, aggregates), and control_totals for totals counted on both sides.
    drift_ignore: frozenset[str] = frozenset()  # mapped fields the destination never gives back

    def drift_declared(self) -> bool:
        """Whether this stream takes part (overrides drift_destination or drift_compare): others are not even read."""
        cls = type(self)
        return cls.drift_destination is not Stream.drift_destination or cls.drift_compare is not Stream.drift_compare

    def drift_source(self) -> Iterator[list]:
        """Every current source record, page by page: by default a full walk from an empty cursor."""
        for page in self.fetch({}):
            yield page.records

    def drift_map(self, record: dict, mappings: MappingSet) -> dict:
        """The record as the report compares it: by default map(). A stream whose map() also checks or asks
        (a journal's pre-flight, an approval request) gives the pure mapping here: a report changes nothing."""
        return self.map(record, mappings)

    def drift_destination(self) -> dict[str, dict] | None:
        """What the destination holds: its key → the record projected onto map()'s shape. None: not compared."""
        return None

    def drift_key(self, mapped: dict) -> str | None:
        return self.natural_key(mapped)

    def drift_compare(self, given: DriftInput) -> list[Finding] | None:
        """Missing, extra and differing records (syncs/flows/drift.py); None when the stream declares none."""
        destination = self.drift_destination()
        if destination is None:
            return None
        return compare_by_key(given=given, destination=destination, key_of=self.drift_key, ignore=self.drift_ignore)

    def control_totals(self, given: DriftInput) -> list[ControlTotal]:
        """Totals counted on both sides (headcount per cost center, rows pushed vs rows held); called after
        drift_compare, so it may reuse what that read."""
        return []

    def problem(self) -> BaseException | None:
        """A vendor error this stream met and stepped around (a 403 on one resource) so the run's other
        streams could go on: the run ends partial with it as its error columns."""
        return None
