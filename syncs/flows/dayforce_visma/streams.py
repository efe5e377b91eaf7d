"""The Dayforce → Visma.net streams (the flow is described in the package's docstring)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterator

from syncs.flows.base import FlowContext, Page, Stream, WriteMode
from syncs.flows.visma_employees import VismaEmployeeStream
from syncs.mapping import (
    FieldRule,
    InvalidRecord,
    MappingSet,
    MissingMapping,
    apply_rules,
)

DEPARTMENT_MAP = "department_to_visma_department"
DEPARTMENT_MAP_TITLE = "Dayforce department → Visma department"
COST_CENTER_MAP = "org_unit_to_cost_center"
COST_CENTER_MAP_TITLE = "Dayforce org unit → Visma cost centre (subaccount value)"
HIERARCHY_FLATTENED, HIERARCHY_NESTED = "flattened", "nested"  # option hierarchy_mode, chosen in the wizard
# Where the Visma employee fields come from (the flattened Dayforce employee, see employee_fields).
EMPLOYEE_RULES = [
    FieldRule("employeeCd", "number", required=True, transform=lambda n: str(int(n))),
    FieldRule("contact.firstName", "first_name"),
    FieldRule("contact.lastName", "last_name", required=True),
    FieldRule("contact.email", "email", required=True),
    FieldRule("contact.title", "job_title"),
]


def items(record: dict, collection: str) -> list[dict]:
    return ((record.get(collection) or {}).get("Items")) or []


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
    """Cursor: {"since": watermark, "walk_started": when this walk began, "offset": XRefCodes done}.

    Dayforce's search answers XRefCodes only and is not paginated, so the walk is the search's list,
    cut into pages of details read a few at a time; a resumed walk repeats the same window and skips
    what is done. The first run takes every employee.
    """

    name = "employees"
    rules = EMPLOYEE_RULES
    value_maps = {DEPARTMENT_MAP: DEPARTMENT_MAP_TITLE}

    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        options = ctx.options
        self.page_size = int(options.get("page_size", 50))
        self.concurrency = int(options.get("detail_concurrency", 4))
        self.defaults = {"employeeClass": options.get("employee_class", "EMPDEF"),
                         "branch": options.get("branch", "1"), "calendar": options.get("calendar", "MAIN")}

    def fetch(self, cursor: dict) -> Iterator[Page]:
        since = cursor.get("since")
        walk_started = cursor.get("walk_started") or self.ctx.started_iso()
        if since:
            xrefs = self.source.employee_xrefs_updated(datetime.fromisoformat(since),
                                                       datetime.fromisoformat(walk_started))
        else:
            xrefs = self.source.employee_xrefcodes()
        for offset in range(int(cursor.get("offset") or 0), len(xrefs), self.page_size):
            chunk = xrefs[offset:offset + self.page_size]
            details = self.source.employee_details_many(chunk, concurrency=self.concurrency)
            # An XRefCode Dayforce refuses (gone since the search) is quarantined with its reason.
            records = [d if isinstance(d, dict) else {"XRefCode": x, "refused": d.message}
                       for x, d in zip(chunk, details)]
            yield Page(records, {"since": since, "walk_started": walk_started, "offset": offset + len(chunk)})
        watermark = self.ctx.watermark_next(datetime.fromisoformat(walk_started))
        yield Page([], {"since": watermark.isoformat()})

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
        return {**self.defaults, **mapped}


class OrgUnits(Stream):
    """Org units → values of Visma's cost-centre subaccount segment, flattened: the description carries
    the unit's parent path (Northwind / North / Oslo / Oslo Engineering). The segment's value ids are
    short codes chosen by a person (the value mapping); an unmapped unit is held until it is mapped.
    A cycle or an orphan in Dayforce's hierarchy is quarantined with the path that shows it."""

    name = "org_units"
    write_mode = WriteMode.UPSERT
    value_maps = {COST_CENTER_MAP: COST_CENTER_MAP_TITLE}

    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        options = ctx.options
        self.dimension = options.get("cost_center_dimension", "SUBACCOUNT")
        self.segment = int(options.get("cost_center_segment", 2))
        # Nested (wizard choice): the company's Visma keeps the hierarchy as one segment per level of a
        # dimension of its own (Region · Site · Department); each unit is a value of its level's segment.
        self.nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
        if self.nested:
            self.dimension = options.get("nested_dimension") or self.dimension
            # Keyed by the OrgLevel's XRefCode (REGION), matched without regard to case.
            self.level_segments = {str(k).upper(): int(v) for k, v in (options.get("nested_segments") or {}).items()}
        self.levels_left_out: set[str] = set()

    def fetch(self, cursor: dict) -> Iterator[Page]:
        # Dayforce has no updated filter on org units; they are few, so every run reads them all and
        # the engine's content hashes leave the unchanged ones alone.
        units = {xref: self.source.org_unit(xref) for xref in self.source.org_units()}
        records = [{**unit, "path": hierarchy_path(unit["XRefCode"], units)} for unit in units.values()]
        if self.nested:
            # Levels the Visma hierarchy has no segment for (the company itself, usually) are not written.
            self.levels_left_out = {org_level(r) for r in records if org_level(r) not in self.level_segments}
            records = [r for r in records if org_level(r) in self.level_segments]
        yield Page(records, {})

    def notes(self) -> list[str]:
        if not self.levels_left_out:
            return []
        return [f"Org units at level(s) {', '.join(sorted(self.levels_left_out))} are not written: the nested "
                f"hierarchy (option nested_segments) has no segment of {self.dimension} for them."]

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
            # The parents are the segments to the left, so the value carries the unit's own name only.
            return {"value_id": value_id, "description": path[-1][:60], "name": name,
                    "segment": self.level_segments[org_level(record)]}
        return {"value_id": value_id, "description": " / ".join(path)[:60], "name": name}

    def natural_key(self, mapped: dict) -> str | None:
        return f"{mapped['segment']}/{mapped['value_id']}" if "segment" in mapped else mapped["value_id"]

    def reconcile(self, intent) -> str | None:
        return None  # writing a segment value again is an upsert: it is simply sent again

    def write(self, mapped: dict, target_id: str | None, record: dict) -> str:
        self.destination.upsert_cost_center(self.dimension, mapped.get("segment", self.segment), mapped["value_id"],
                                            mapped["description"])
        return self.natural_key(mapped)


def org_level(unit: dict) -> str:
    """The unit's level as its XRefCode (OrgLevel is a reference object: {XRefCode, ShortName, …})."""
    level = unit.get("OrgLevel")
    return str((level.get("XRefCode") if isinstance(level, dict) else level) or "").upper()


def hierarchy_path(xref: str, units: dict[str, dict]) -> list[str] | str:
    """Names from the top of the hierarchy down to `xref`, or the reason there is no such path."""
    names, seen = [], []
    current = xref
    while current is not None:
        if current in seen:
            return f"org unit hierarchy has a cycle: {' → '.join(seen + [current])}"
        unit = units.get(current)
        if unit is None:
            return f"org unit '{seen[-1]}' names a parent '{current}' that does not exist in Dayforce"
        seen.append(current)
        names.append(unit.get("ShortName") or current)
        parents = items(unit, "OrgUnitParents")
        current = ((parents[0].get("ParentOrgUnit") or {}).get("XRefCode")) if parents else None
    return list(reversed(names))
