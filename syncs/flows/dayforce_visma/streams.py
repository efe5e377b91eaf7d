"""The Dayforce → Visma.net streams (the flow is described in the package's docstring)."""
from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import Iterator

from syncs.flows.base import FlowContext, Page, Stream, WriteMode
from syncs.flows.dayforce_visma.hierarchy import (  # noqa: F401 (items, hierarchy_path: the package's names)
    COST_CENTER_MAP,
    HIERARCHY_FLATTENED,
    HIERARCHY_NESTED,
    OrgTree,
    hierarchy_path,
    items,
    org_level,
    segment_items,
)
from syncs.flows.visma_employees import VismaEmployeeStream, employee_rules
from syncs.mapping import (
    InvalidRecord,
    MappingSet,
    MissingMapping,
    apply_rules,
)

DEPARTMENT_MAP = "department_to_visma_department"
DEPARTMENT_MAP_TITLE = "Dayforce department → Visma department"
COST_CENTER_MAP_TITLE = "Dayforce org unit → Visma cost centre (subaccount value)"
# Where the Visma employee fields come from (the flattened Dayforce employee, see employee_fields).
EMPLOYEE_RULES = employee_rules(number="number", first_name="first_name", last_name="last_name", email="email",
                                title="job_title")


class OrgUnitsRead:
    """Dayforce's org units, read once per run and shared by the streams that need them (org units, and in
    nested mode employees and pay runs: they name a unit with its parents)."""

    def __init__(self, ctx: FlowContext):
        self.ctx = ctx
        self._tree: OrgTree | None = None

    def tree(self) -> OrgTree:
        if self._tree is None:
            source = self.ctx.source
            self._tree = OrgTree({xref: source.org_unit(xref) for xref in source.org_units()}, self.ctx.options)
        return self._tree


def employee_fields(record: dict) -> dict:
    """One Dayforce employee (details as of now, docs/vendors/dayforce.md §4.2) as flat fields to map."""
    assignments = items(record, "WorkAssignments")
    assignment = next((a for a in assignments if a.get("IsPrimary")), assignments[0] if assignments else {})
    position = assignment.get("Position") or {}
    statuses = items(record, "EmploymentStatuses")
    email = next((c.get("ElectronicAddress") for c in items(record, "Contacts")
                  if (c.get("ContactInformationType") or {}).get("XRefCode") == "BusinessEmail"), None)
    return {
        "number": record.get("EmployeeNumber"), "first_name": record.get("FirstName"),
        "last_name": record.get("LastName"), "email": email,
        "job_title": assignment.get("BusinessTitle") or (position.get("Job") or {}).get("ShortName"),
        "department": (position.get("Department") or {}).get("XRefCode"),
        "department_name": (position.get("Department") or {}).get("ShortName"),
        "org_unit": (assignment.get("Location") or {}).get("XRefCode"),
        "hire_date": record.get("HireDate"), "termination_date": record.get("TerminationDate"),
        "status": ((statuses[-1].get("EmploymentStatus") or {}).get("XRefCode")) if statuses else None,
    }


class Employees(VismaEmployeeStream):
    """Cursor: {"since": watermark, "walk_started": when this walk began, "after": the last XRefCode done}.

    Dayforce's search answers XRefCodes only and is not paginated, so the walk is the search's list in
    XRefCode order, cut into pages of details read a few at a time; a resumed walk repeats the same search
    and goes on after the last XRefCode done. The first run takes every employee.
    """

    name = "employees"
    rules = EMPLOYEE_RULES
    value_maps = {DEPARTMENT_MAP: DEPARTMENT_MAP_TITLE}

    def __init__(self, ctx: FlowContext, org: OrgUnitsRead | None = None):
        super().__init__(ctx)
        options = ctx.options
        self.org = org or OrgUnitsRead(ctx)
        # Nested: the employee's cost allocation names the org unit with its parents (hierarchy.py), so an
        # unmapped unit holds the employee, and a move of any unit above them changes what is written.
        self.nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
        if self.nested:
            self.value_maps = {**self.value_maps, COST_CENTER_MAP: COST_CENTER_MAP_TITLE}
        self.page_size = int(options.get("page_size", 50))
        self.concurrency = int(options.get("detail_concurrency", 4))
        self.defaults = {"employeeClass": options.get("employee_class", "EMPDEF"),
                         "branch": options.get("branch", "1"), "calendar": options.get("calendar", "MAIN")}

    def fetch(self, cursor: dict) -> Iterator[Page]:
        since = cursor.get("since")
        walk_started = cursor.get("walk_started") or self.ctx.started_iso()
        # A cursor saved before "after" existed holds an offset into Dayforce's order instead: that walk starts
        # over (a read of everyone again; content hashes write nothing twice).
        after = cursor.get("after")
        hierarchy = self.org.tree().fingerprint() if self.nested else None
        if hierarchy != cursor.get("hierarchy"):
            # An org unit moved (or nested mode was just chosen): Dayforce's search does not return the people
            # under it, whose records did not change, so this walk reads everyone from the start; content
            # hashes leave the employees whose allocation is the same alone.
            since, after = None, None
        if since:
            xrefs = self.source.employee_xrefs_updated(datetime.fromisoformat(since),
                                                       datetime.fromisoformat(walk_started))
        else:
            xrefs = self.source.employee_xrefcodes()
        # Dayforce documents no order for its search (docs/vendors/dayforce.md §4.1), and a resumed walk searches
        # again: an offset into the new answer skipped whoever moved behind it (after a move, people the walk
        # exists to reach, whose records never change to bring them back). So the walk goes in XRefCode order
        # and resumes after the last XRefCode done, whatever the order, hires or leavers in between.
        xrefs = sorted(set(xrefs))
        start = bisect_right(xrefs, after) if after else 0
        for offset in range(start, len(xrefs), self.page_size):
            chunk = xrefs[offset:offset + self.page_size]
            details = self.source.employee_details_many(chunk, concurrency=self.concurrency)
            # An XRefCode Dayforce refuses (gone since the search) is quarantined with its reason.
            records = [d if isinstance(d, dict) else {"XRefCode": x, "refused": d.message}
                       for x, d in zip(chunk, details)]
            yield Page(records, {"since": since, "walk_started": walk_started, "after": chunk[-1],
                                 **self.tracked(hierarchy)})
        watermark = self.ctx.watermark_next(datetime.fromisoformat(walk_started))
        yield Page([], {"since": watermark.isoformat(), **self.tracked(hierarchy)})

    @staticmethod
    def tracked(hierarchy: str | None) -> dict:
        return {"hierarchy": hierarchy} if hierarchy else {}

    def source_id(self, record: dict) -> str:
        # The XRefCode stays with the person through a rehire, so a rehire reactivates the same employee.
        xref = record.get("XRefCode") if isinstance(record, dict) else None
        if not isinstance(xref, str) or not xref:
            raise InvalidRecord("employee has no XRefCode")
        return xref

    def map(self, record: dict, mappings: MappingSet) -> dict:
        if record.get("refused"):
            raise InvalidRecord(f"Dayforce refused its details: {record['refused']}")
        fields = employee_fields(record)
        if not fields["org_unit"] or not fields["department"]:
            raise InvalidRecord("employee has no work assignment (no department or org unit) as of today")
        mapped = apply_rules(fields, mappings.rules_for(self.name, self.rules), mappings)
        try:
            mapped["department"] = mappings.translate(DEPARTMENT_MAP, fields["department"], "department")
        except MissingMapping:
            raise MissingMapping(DEPARTMENT_MAP, fields["department"], "department",
                                 f"department '{fields['department_name'] or fields['department']}'")
        mapped["status"] = "Inactive" if fields["status"] == "TERMINATED" else "Active"
        if self.nested:
            mapped["subaccount"] = segment_items(self.org.tree().allocation(fields["org_unit"], mappings))
        return {**self.defaults, **mapped}


class OrgUnits(Stream):
    """Org units → values of Visma's cost-centre subaccount segment, flattened: the description carries
    the unit's parent path (Northwind / North / Oslo / Oslo Engineering). The segment's value ids are
    short codes chosen by a person (the value mapping); an unmapped unit is held until it is mapped.
    A cycle or an orphan in Dayforce's hierarchy is quarantined with the path that shows it."""

    name = "org_units"
    write_mode = WriteMode.UPSERT
    value_maps = {COST_CENTER_MAP: COST_CENTER_MAP_TITLE}

    def __init__(self, ctx: FlowContext, org: OrgUnitsRead | None = None):
        super().__init__(ctx)
        options = ctx.options
        self.org = org or OrgUnitsRead(ctx)
        self.dimension = options.get("cost_center_dimension", "SUBACCOUNT")
        self.segment = int(options.get("cost_center_segment", 2))
        # Nested (wizard choice): the company's Visma keeps the hierarchy as one segment per level of its
        # subaccount (Region · Site · Department); each unit is a value of its level's segment.
        self.nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
        if self.nested:
            self.subaccount_dimension = self.dimension
            self.dimension = options.get("nested_dimension") or self.dimension
            self.level_segments = OrgTree({}, options).level_segments
        self.levels_left_out: set[str] = set()

    def fetch(self, cursor: dict) -> Iterator[Page]:
        # Dayforce has no updated filter on org units; they are few, so every run reads them all and
        # the engine's content hashes leave the unchanged ones alone.
        units = self.org.tree().units
        records = [{**unit, "path": hierarchy_path(unit["XRefCode"], units)} for unit in units.values()]
        if self.nested:
            # Levels the Visma hierarchy has no segment for (the company itself, usually) are not written.
            self.levels_left_out = {org_level(r) for r in records if org_level(r) not in self.level_segments}
            records = [r for r in records if org_level(r) in self.level_segments]
        yield Page(records, {})

    def notes(self) -> list[str]:
        notes = []
        if self.nested and self.dimension.upper() != self.subaccount_dimension.upper():
            notes.append(f"Employees and journal lines can only name values of the subaccount "
                         f"({self.subaccount_dimension}); the nested hierarchy is in {self.dimension}, so they are "
                         "refused until nested_dimension is the subaccount.")
        if not self.levels_left_out:
            return notes
        return notes + [f"Org units at level(s) {', '.join(sorted(self.levels_left_out))} are not written: the "
                        f"nested hierarchy (option nested_segments) has no segment of {self.dimension} for them."]

    def source_id(self, record: dict) -> str:
        return str(record["XRefCode"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        path = record["path"]
        if isinstance(path, str):
            raise InvalidRecord(path)
        name = record.get("LongName") or record.get("ShortName") or record["XRefCode"]
        try:
            value_id = mappings.translate(COST_CENTER_MAP, record["XRefCode"], "cost centre")
        except MissingMapping:
            raise MissingMapping(COST_CENTER_MAP, record["XRefCode"], "cost centre", f"org unit '{' / '.join(path)}'")
        if self.nested:
            # The parents are the segments to the left, so the value carries the unit's own name only. Visma keeps
            # no parent on a value: `parents` (the values above it) makes a move an update in the audit trail,
            # and employees and journal lines take the new combination (hierarchy.py).
            return {"value_id": value_id, "description": path[-1][:60], "name": name,
                    "segment": self.level_segments[org_level(record)],
                    "parents": self.org.tree().parent_values(record["XRefCode"], mappings)}
        return {"value_id": value_id, "description": " / ".join(path)[:60], "name": name}

    def natural_key(self, mapped: dict) -> str | None:
        return f"{mapped['segment']}/{mapped['value_id']}" if "segment" in mapped else mapped["value_id"]

    def reconcile(self, intent) -> str | None:
        return None  # writing a segment value again is an upsert: it is simply sent again

    # The unit's own name is in the path, Visma keeps only the description; Visma keeps no parent (nested).
    drift_ignore = frozenset({"name", "parents"})

    def drift_destination(self) -> dict[str, dict]:
        """The cost-centre segment's values, in map()'s shape (values a person added there count as extra)."""
        return {str(v["valueId"]): {"value_id": str(v["valueId"]), "description": v.get("description")}
                for v in self.destination.list_cost_centers(self.dimension, self.segment) if v.get("valueId")}

    def write(self, mapped: dict, target_id: str | None, record: dict) -> str:
        self.destination.upsert_cost_center(self.dimension, mapped.get("segment", self.segment), mapped["value_id"],
                                            mapped["description"])
        return self.natural_key(mapped)
