"""Paychex reference data → Visma dimension values: organizations, jobs and locations.

Each kind is resolved the same way (docs/flows/paychex-visma.md, "Dimensions"):
1. the explicit value mapping set in the wizard (Paychex id → Visma value) wins;
2. else the Visma value whose id or description equals the Paychex name, case and spacing ignored;
3. for organizations only, and only when the company turns it on (option `organization_parent_fallback`),
   the nearest ancestor (following Paychex's parent links, §4) that resolves by 1 or 2;
4. else the worker is held, naming the Paychex value, until someone maps it.

Jobs and locations are opt-in: a company that maps none and does not name them in the options keeps Visma's
own values (`job_segment` names the SUBACCOUNT segment a job's costing code goes to, `location_dimension` turns
the LOCATION dimension on). Once on, an unresolvable job or location holds the worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from syncs.mapping import MappingSet, MissingMapping

ORGANIZATION_MAP = "organization_to_department"
ORGANIZATION_MAP_TITLE = "Paychex organization → Visma department"
JOB_MAP = "job_to_subaccount_segment"
JOB_MAP_TITLE = "Paychex job → Visma SUBACCOUNT segment value"
LOCATION_MAP = "location_to_location"
LOCATION_MAP_TITLE = "Paychex location → Visma location (LOCATION dimension)"
# Deep enough for any real chart; a longer chain is a cycle in the source data.
MAX_DEPTH = 32


def name_key(name) -> str:
    return " ".join(str(name or "").lower().split())


@dataclass
class Resolution:
    value: str
    via: str = ""  # "mapping", "name" or "parent '<name>'": shown in the audit trail's mapped record


class DimensionResolver:
    """Resolves one kind of Paychex value (its id → name table) to Visma values (their id/description table).

    Both tables are read lazily, once per run, through the callables, so a run that never needs one reads
    nothing (and the vendors' quotas are spared)."""

    def __init__(self, map_name: str, label: str, what: str, *, source_names: Callable[[], dict[str, str]],
                 target_values: Callable[[], list[tuple[str, str]]]):
        self.map_name, self.label, self.what = map_name, label, what
        self._source_names, self._target_values = source_names, target_values
        self._names: dict[str, str] | None = None
        self._targets: dict[str, str] | None = None

    def name_of(self, source_id: str, fallback: str = "") -> str:
        if self._names is None:
            self._names = self._source_names()
        return self._names.get(str(source_id)) or fallback

    def by_name(self, name: str) -> str | None:
        if self._targets is None:
            self._targets = {}
            for value_id, description in self._target_values():
                for label in (description, value_id):
                    if name_key(label):
                        self._targets.setdefault(name_key(label), str(value_id))
        return self._targets.get(name_key(name)) if name_key(name) else None

    def resolve(self, source_id: str, mappings: MappingSet, name: str = "") -> Resolution | None:
        try:
            return Resolution(mappings.translate(self.map_name, source_id, self.label), "mapping")
        except MissingMapping:
            pass
        matched = self.by_name(name or self.name_of(source_id))
        return Resolution(matched, "name") if matched else None

    def missing(self, source_id: str, name: str = "") -> MissingMapping:
        shown = name or self.name_of(source_id)
        return MissingMapping(self.map_name, source_id, self.label, f"{self.what} '{shown or source_id}'")

    def resolve_or_hold(self, source_id: str, mappings: MappingSet, name: str = "") -> Resolution:
        resolution = self.resolve(source_id, mappings, name)
        if resolution is None:
            raise self.missing(source_id, name)
        return resolution


class OrganizationResolver(DimensionResolver):
    """Organizations carry a parent link (§4); with the fallback on, an unmapped one takes its nearest
    resolvable ancestor's department. A cycle or a missing parent simply ends the walk: the worker is held."""

    def __init__(self, *, parents: Callable[[], dict[str, str | None]], parent_fallback: bool, **kwargs):
        super().__init__(ORGANIZATION_MAP, "Visma department", "organization", **kwargs)
        self._parents_source, self._parents = parents, None
        self.parent_fallback = parent_fallback

    def parent_of(self, org_id: str) -> str | None:
        if self._parents is None:
            self._parents = self._parents_source()
        return self._parents.get(str(org_id))

    def path(self, org_id: str) -> list[str]:
        """The organization's names from the top down, e.g. ["Company", "1 North Division", "1 Branch 1 - north"]."""
        names, seen, current = [], set(), str(org_id)
        while current and current not in seen and len(seen) < MAX_DEPTH:
            seen.add(current)
            names.append(self.name_of(current, current))
            current = self.parent_of(current)
        return list(reversed(names))

    def resolve(self, source_id: str, mappings: MappingSet, name: str = "") -> Resolution | None:
        own = super().resolve(source_id, mappings, name)
        if own is not None or not self.parent_fallback:
            return own
        seen, current = {str(source_id)}, self.parent_of(source_id)
        while current and current not in seen and len(seen) < MAX_DEPTH:
            seen.add(current)
            inherited = super().resolve(current, mappings)
            if inherited is not None:
                return Resolution(inherited.value, f"parent '{self.name_of(current, current)}'")
            current = self.parent_of(current)
        return None
