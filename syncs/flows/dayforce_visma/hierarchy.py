"""Dayforce's org-unit hierarchy and what an org unit is in Visma, in either hierarchy mode (pure: no DB, no HTTP).

* Flattened: an org unit is one value of the cost-centre segment (`cost_center_segment`), its description
  the path from the top. An employee or a journal line names that one value.
* Nested: the company's subaccount keeps the hierarchy as one segment per level (`nested_segments`, e.g.
  Region · Site · Department). An org unit is its own value in its level's segment, and an employee or a
  journal line names the unit *with its parents*: one value per level segment, read from the unit's chain
  of parents. Visma's segment values carry no parent (DtoSegmentValue has valueId, description, publicId,
  active; docs/vendors/visma.md §4), so the hierarchy lives in those combinations: a move changes the
  combination every employee of the moved units and every later journal line uses.
"""
from __future__ import annotations

import hashlib
import json

from syncs.mapping import InvalidRecord, MappingSet, MissingMapping

COST_CENTER_MAP = "org_unit_to_cost_center"
HIERARCHY_FLATTENED, HIERARCHY_NESTED = "flattened", "nested"  # option hierarchy_mode, chosen in the wizard


def items(record: dict, collection: str) -> list[dict]:
    return ((record.get(collection) or {}).get("Items")) or []


def org_level(unit: dict) -> str:
    """The unit's level as its XRefCode (OrgLevel is a reference object: {XRefCode, ShortName, …})."""
    level = unit.get("OrgLevel")
    return str((level.get("XRefCode") if isinstance(level, dict) else level) or "").upper()


def parent_of(unit: dict) -> str | None:
    parents = items(unit, "OrgUnitParents")
    return ((parents[0].get("ParentOrgUnit") or {}).get("XRefCode")) if parents else None


def hierarchy_chain(xref: str, units: dict[str, dict]) -> list[str] | str:
    """XRefCodes from the top of the hierarchy down to `xref`, or the reason there is no such chain."""
    seen: list[str] = []
    current = xref
    while current is not None:
        if current in seen:
            return f"org unit hierarchy has a cycle: {' → '.join(seen + [current])}"
        if current not in units:
            return f"org unit '{seen[-1] if seen else xref}' names a parent '{current}' that does not exist in Dayforce"
        seen.append(current)
        current = parent_of(units[current])
    return list(reversed(seen))


def hierarchy_path(xref: str, units: dict[str, dict]) -> list[str] | str:
    """Names from the top of the hierarchy down to `xref`, or the reason there is no such path."""
    chain = hierarchy_chain(xref, units)
    if isinstance(chain, str):
        return chain
    return [units[x].get("ShortName") or x for x in chain]


class OrgTree:
    """Dayforce's org units as read in this run, with the integration's hierarchy options."""

    def __init__(self, units: dict[str, dict], options: dict):
        self.units = units
        self.nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
        self.cost_center_segment = int(options.get("cost_center_segment", 2))
        # Keyed by the OrgLevel's XRefCode (REGION), matched without regard to case.
        self.level_segments = {str(k).upper(): int(v) for k, v in (options.get("nested_segments") or {}).items()}

    def segments(self) -> list[int]:
        """The subaccount segments an org unit fills."""
        return sorted(set(self.level_segments.values())) if self.nested else [self.cost_center_segment]

    def allocation(self, xref: str, mappings: MappingSet) -> list[dict]:
        """The subaccount segments naming org unit `xref`: [{segmentId, segmentValue, orgUnit}], in segment order.
        Raises InvalidRecord (cycle, orphan, a level with no unit) or MissingMapping (an unmapped unit)."""
        if not self.nested:
            return [{"segmentId": self.cost_center_segment, "orgUnit": xref,
                     "segmentValue": self.value_of(xref, mappings)}]
        chain = hierarchy_chain(xref, self.units) if xref in self.units else \
            f"org unit '{xref}' does not exist in Dayforce's org units"
        if isinstance(chain, str):
            raise InvalidRecord(chain)
        by_segment = {self.level_segments[org_level(self.units[x])]: x for x in chain
                      if org_level(self.units[x]) in self.level_segments}
        missing = [level for level, segment in self.level_segments.items() if segment not in by_segment]
        if missing:
            raise InvalidRecord(f"org unit '{xref}' has no parent at level(s) {', '.join(sorted(missing))}: "
                                "the nested subaccount needs a value for each level segment")
        return [{"segmentId": segment, "orgUnit": by_segment[segment],
                 "segmentValue": self.value_of(by_segment[segment], mappings)} for segment in sorted(by_segment)]

    def parent_values(self, xref: str, mappings: MappingSet) -> list[str]:
        """The values of the units above `xref` that have a level segment, top first."""
        chain = hierarchy_chain(xref, self.units)
        if isinstance(chain, str):
            raise InvalidRecord(chain)
        return [self.value_of(x, mappings) for x in chain[:-1] if org_level(self.units[x]) in self.level_segments]

    def value_of(self, xref: str, mappings: MappingSet) -> str:
        try:
            return mappings.translate(COST_CENTER_MAP, xref, "cost centre")
        except MissingMapping:
            path = hierarchy_path(xref, self.units) if xref in self.units else xref
            raise MissingMapping(COST_CENTER_MAP, xref, "cost centre",
                                 f"org unit '{' / '.join(path) if isinstance(path, list) else xref}'")

    def fingerprint(self) -> str:
        """Changes when any unit gets a new parent (a move), so employees are read again in nested mode."""
        parents = {xref: parent_of(unit) for xref, unit in sorted(self.units.items())}
        return hashlib.sha256(json.dumps(parents, sort_keys=True).encode()).hexdigest()[:16]


def segment_items(allocation: list[dict]) -> list[dict]:
    """What Visma is sent: SegmentUpdateDto items (the org unit each came from is ours)."""
    return [{"segmentId": a["segmentId"], "segmentValue": a["segmentValue"]} for a in allocation]
