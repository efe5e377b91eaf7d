"""What a flow gives the engine: streams that fetch pages, map records (pure) and write them."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Iterator

from syncs.mapping import FieldRule, MappingSet, apply_rules


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


class Stream(ABC):
    """One kind of record moving from source to destination."""

    name: str = ""
    # Default field rules; customers override them with FieldMapping rows.
    rules: list[FieldRule] = []

    def __init__(self, ctx: FlowContext):
        self.ctx = ctx
        self.source = ctx.source
        self.destination = ctx.destination

    @abstractmethod
    def fetch(self, cursor: dict) -> Iterator[Page]:
        """Pages of source records changed since `cursor` (a dict this stream alone understands)."""

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
