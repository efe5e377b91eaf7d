"""What a flow gives the engine: streams that fetch pages, map records (pure) and write them."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Iterator

from syncs.mapping import FieldRule, MappingSet, apply_rules


class Trigger(StrEnum):
    """How a stream learns of changes: by polling its cursor, or from inbound events (webhooks)."""

    POLL = "poll"
    WEBHOOK = "webhook"


@dataclass
class Page:
    records: list[dict]
    cursor: dict  # saved once every record of this page is processed


@dataclass
class FlowContext:
    integration: Any
    source: Any  # vendor client
    destination: Any  # vendor client
    options: dict = field(default_factory=dict)


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


@dataclass
class MappingChoices:
    """What a flow module's optional `mapping_choices(ctx)` hook returns, read live from both vendors."""

    value_maps: list[ValueMapChoices] = field(default_factory=list)
    source_fields: dict[str, list[str]] = field(default_factory=dict)  # stream → dotted paths of a real record
    # stream → (path, label) of the destination's real fields, e.g. monday columns by title
    target_fields: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


class Stream(ABC):
    """One kind of record moving from source to destination."""

    name: str = ""
    # Default field rules; customers override them with FieldMapping rows.
    rules: list[FieldRule] = []
    # Value mappings map() uses beyond those its rules name (map name → label), for the setup wizard.
    value_maps: dict[str, str] = {}
    triggers: frozenset[Trigger] = frozenset({Trigger.POLL})
    # Inbound event types (the vendor's words, e.g. "employee.updated") this stream re-reads records for.
    webhook_events: frozenset[str] = frozenset()

    def __init__(self, ctx: FlowContext):
        self.ctx = ctx
        self.source = ctx.source
        self.destination = ctx.destination

    @abstractmethod
    def fetch(self, cursor: dict) -> Iterator[Page]:
        """Pages of source records changed since `cursor` (a dict this stream alone understands)."""

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        """Webhook trigger: the current state of the records an event names (notifications carry no data).
        Ids that no longer exist at the source are left out."""
        raise NotImplementedError(f"{type(self).__name__} is not fed by webhooks.")

    def consumes(self, event_type: str) -> bool:
        return Trigger.WEBHOOK in self.triggers and event_type in self.webhook_events

    def source_id(self, record: dict) -> str:
        return str(record["id"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        return apply_rules(record, mappings.rules_for(self.name, self.rules), mappings)

    @abstractmethod
    def write(self, mapped: dict, target_id: str | None, record: dict) -> str:
        """Create (target_id None) or update the destination record; return its id."""

    def notes(self) -> list[str]:
        """Run-level remarks to report once (e.g. fields the token may not read)."""
        return []
