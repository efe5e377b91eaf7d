"""What a drift report compares, as plain data: shared by the streams' `drift_compare` / `control_totals` hooks
(syncs/flows/base.py) and the drift app, which runs them and keeps the findings (drift/services.py).

A stream compares **what it would write now** (its source's current records through the current mappings) with
**what the destination holds**, and, where the engine knows it, **what we last wrote**. A field that differs is
told apart by who moved: the source (a change not synced yet), the destination (someone edited it there, so a
sync would overwrite their edit), or both. Nothing here does HTTP or touches the database.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = object()  # no earlier write is known for this field


class Kind:
    MISSING = "missing"  # the source has it; the destination does not
    EXTRA = "extra"  # the destination has it; the source does not (or no longer)
    DIFFERS = "differs"  # both have it; fields differ and the source moved (or we cannot tell who)
    CHANGED = "changed"  # both have it; only the destination moved since our last write


@dataclass
class FieldDiff:
    field: str
    source: Any  # what the integration would write now
    destination: Any
    written: Any = UNKNOWN  # what the integration last wrote

    @property
    def moved(self) -> str:
        """Who changed it since our last write: "destination", "source", "both" or "unknown"."""
        if self.written is UNKNOWN:
            return "unknown"
        source_moved, destination_moved = self.source != self.written, self.destination != self.written
        if destination_moved and not source_moved:
            return "destination"
        return "both" if destination_moved else "source"

    def as_json(self) -> dict:
        row = {"field": self.field, "source": self.source, "destination": self.destination, "moved": self.moved}
        if self.written is not UNKNOWN:
            row["written"] = self.written
        return row


@dataclass
class Finding:
    kind: str
    source_id: str = ""
    target_id: str = ""
    diffs: list[FieldDiff] = field(default_factory=list)
    note: str = ""


@dataclass
class ControlTotal:
    """One total counted on both sides, e.g. active headcount of cost center 'IT' in the HR system and in Visma."""

    label: str
    group: str
    source: float
    destination: float

    @property
    def ok(self) -> bool:
        return self.source == self.destination


@dataclass
class Written:
    """What the engine last wrote for one source record: the id map's target and the confirmed payload."""

    target_id: str
    content_hash: str
    payload: dict | None = None  # None when no confirmed write is kept (reference streams, old rows)


@dataclass
class DriftInput:
    """What the drift service hands a stream: the source's records as it would write them now, and our ledger."""

    expected: dict[str, dict] = field(default_factory=dict)  # source id → mapped record
    records: dict[str, dict] = field(default_factory=dict)  # source id → source record (for a re-sync)
    unmappable: set[str] = field(default_factory=set)  # source ids held or quarantined by map(): not compared
    written: dict[str, Written] = field(default_factory=dict)  # source id → our last write
    rows_written: int = 0  # confirmed writes of the stream (append streams: rows pushed)
    mappings: Any = None  # the MappingSet map() used, for a comparison that translates back (a board's label)


def flatten(record: Any, prefix: str = "") -> dict[str, Any]:
    """{"contact": {"email": x}} → {"contact.email": x}; lists stay values (a cost allocation compares whole)."""
    if not isinstance(record, dict):
        return {prefix: record} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def same(a: Any, b: Any) -> bool:
    """Equal as the destination means it: numbers by value, text without surrounding spaces, None == ""."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def compare_by_key(*, given: DriftInput, destination: dict[str, dict], key_of, ignore: frozenset[str] = frozenset()
                   ) -> list[Finding]:
    """The generic comparison of an upsert stream: match by the destination's key, then field by field.

    `destination` is key → the destination record projected onto the mapped shape (the stream does that);
    only fields the mapping writes are compared, so a destination's own fields never count as drift."""
    findings: list[Finding] = []
    claimed: set[str] = set()
    for source_id, mapped in given.expected.items():
        key = key_of(mapped) or (given.written.get(source_id) or Written("", "")).target_id
        claimed.add(str(key))
        written = given.written.get(source_id)
        held = destination.get(str(key))
        if held is None:
            findings.append(Finding(Kind.MISSING, source_id, str(key or ""),
                                    note="never written" if written is None else "written, but gone from there"))
            continue
        last = flatten(written.payload) if written and written.payload is not None else None
        there = flatten(held)
        diffs = [FieldDiff(path, value, there.get(path), UNKNOWN if last is None else last.get(path))
                 for path, value in flatten(mapped).items()
                 if path not in ignore and not same(value, there.get(path))]
        if diffs:
            moved = {d.moved for d in diffs}
            kind = Kind.CHANGED if moved == {"destination"} else Kind.DIFFERS
            findings.append(Finding(kind, source_id, str(key), diffs))
    # Records of source ids we cannot map now (held, quarantined) are theirs, not extras.
    claimed.update(w.target_id for s, w in given.written.items() if s in given.unmappable)
    findings.extend(Finding(Kind.EXTRA, target_id=key) for key in destination if key not in claimed)
    return findings


def headcount(records, *, group_of, active) -> Counter:
    return Counter(str(group_of(r) or "–") for r in records if active(r))


def headcount_totals(label: str, source: Counter, destination: Counter) -> list[ControlTotal]:
    return [ControlTotal(label, group, source.get(group, 0), destination.get(group, 0))
            for group in sorted(set(source) | set(destination))]
