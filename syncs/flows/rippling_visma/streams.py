"""The Rippling → Visma.net streams (the flow is described in the package's docstring)."""
from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timezone
from typing import Iterator

from connections.vendors.errors import VendorNotFound
from connections.vendors.rippling.client import parse_timestamp
from syncs.flows.base import FlowContext, Page, Stream, Trigger, WriteMode
from syncs.flows.rippling_visma.dimensions import (
    configured_segments,
    cost_allocation,
    segment_maps,
    value_missing_in_visma,
)
from syncs.flows.visma_employees import VismaDepartmentLinks, VismaEmployeeWrites, employee_defaults, employee_rules
from syncs.mapping import InvalidRecord, MappingSet, MissingMapping, apply_rules

DEPARTMENT_MAP = "department_to_cost_center"
DEPARTMENT_LABEL = "cost center"
DEPARTMENT_MAP_TITLE = "Rippling department → Visma department (cost center)"
TERMINATED = "TERMINATED"
LOCATION_MAP = "work_location_to_location"
LOCATION_LABEL = "location"
LOCATION_MAP_TITLE = "Rippling work location → Visma location (LOCATION dimension)"
# Where the Visma employee fields come from; customers override these with field mappings.
EMPLOYEE_RULES = employee_rules(number="number", first_name="user.name.given_name", last_name="user.name.family_name",
                                email="work_email", title="title")
# Source fields without which no Visma employee can be written.
ESSENTIAL = ("number", "work_email")


class RipplingPagedStream(Stream):
    """Cursor: {"since": ISO watermark, "next_link": where to resume, "walk_started": when this walk began}.

    The next watermark is when the walk began (by our clock, less the clock-skew overlap), not the
    newest `updated_at` seen: a full sync walks by `created_at`, so a worker changed behind the walk
    would be older than the newest stamp and never read again, and one dated 2999 would stop every
    later delta. `walk_started` is kept in the cursor so a walk resumed by a later run keeps it.
    """

    triggers = frozenset({Trigger.POLL})
    read_ahead = True  # Rippling listings are plain HTTP reads with a static API key

    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        self.page_size = int(ctx.options.get("page_size", 100))  # Rippling's cap (docs/vendors/rippling.md §3)
        self.redacted: set[str] = set()

    @abstractmethod
    def pages(self, since: datetime | None, next_link: str | None):
        """The Rippling listing this stream walks."""

    def fetch(self, cursor: dict) -> Iterator[Page]:
        since = cursor.get("since")
        next_link = cursor.get("next_link")
        walk_started = (cursor.get("walk_started") if next_link else None) or self.ctx.started_iso()
        high = cursor.get("high")  # newest change synced: shown as the integration's lag, never a watermark
        for page in self.pages(parse_timestamp(since) if since else None, next_link):
            self.redacted.update(page.redacted_fields)
            high = newest_synced(high, page.last_updated_at)
            yield Page(page.results, {"since": since, "next_link": page.next_link, "walk_started": walk_started,
                                      "high": high})
        watermark = self.ctx.watermark_next(parse_timestamp(walk_started))
        yield Page([], {"since": watermark.isoformat(), "next_link": None, "high": high})

    def notes(self) -> list[str]:
        if not self.redacted:
            return []
        return [f"Rippling hid {', '.join(sorted(self.redacted))} from this API key, so those fields were not "
                "written and Visma keeps its own values. To sync them, add the matching read scopes to the key "
                "under Company Settings → API Access."]


def newest_synced(high: str | None, newest: datetime | None) -> str | None:
    """The newest source change seen, capped at now (a record dated 2999 is not 973 years of negative lag)."""
    if newest is None:
        return high
    newest = min(newest, datetime.now(timezone.utc))
    return newest.isoformat() if high is None or newest > parse_timestamp(high) else high


class Departments(VismaDepartmentLinks, RipplingPagedStream):
    """Checks every department against the mapping, so an unmapped one is flagged before an employee needs it.

    Nothing is written to Visma: the mapping itself is the link, recorded in the id map.
    """

    name = "departments"
    write_mode = WriteMode.REFERENCE
    value_maps = {DEPARTMENT_MAP: DEPARTMENT_MAP_TITLE}
    department_field = "cost_center"

    def pages(self, since, next_link):
        return self.source.department_pages(updated_since=since, next_link=next_link, page_size=self.page_size)

    def map(self, record: dict, mappings: MappingSet) -> dict:
        if not record.get("name"):
            raise InvalidRecord("department has no name")
        try:
            cost_center = mappings.translate(DEPARTMENT_MAP, record["id"], DEPARTMENT_LABEL)
        except MissingMapping:
            raise MissingMapping(DEPARTMENT_MAP, record["id"], DEPARTMENT_LABEL, f"department '{record['name']}'")
        return {"cost_center": cost_center, "name": record["name"]}

    def write(self, mapped, target_id, record) -> str:
        return mapped["cost_center"]

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        # Re-applying a changed mapping re-reads departments; Rippling's listing is small (one call per 100).
        wanted = set(source_ids)
        return [d for d in self.source.list_departments() if d.get("id") in wanted]


class Employees(VismaEmployeeWrites, RipplingPagedStream):
    name = "employees"
    # Polled on updated_at; App Shop webhook events (they name worker ids) are read back with fetch_records.
    triggers = frozenset({Trigger.POLL, Trigger.WEBHOOK})
    write_mode = WriteMode.UPSERT
    rules = EMPLOYEE_RULES
    value_maps = {DEPARTMENT_MAP: DEPARTMENT_MAP_TITLE, LOCATION_MAP: LOCATION_MAP_TITLE}
    webhook_events = frozenset({"employee.created", "employee.updated", "employee.deleted"})

    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        self.defaults = employee_defaults(ctx.options)
        self._department_names: dict[str, str] | None = None
        self._location_names: dict[str, str] | None = None
        self._visma_values: dict = {}
        self.segments = configured_segments(ctx.options)
        self.value_maps = {**self.value_maps, **segment_maps(self.segments)}
        self.expand = ("user", *sorted({s.expand for s in self.segments.values() if s.expand}))

    def pages(self, since, next_link):
        return self.source.worker_pages(updated_since=since, next_link=next_link, page_size=self.page_size,
                                        expand=self.expand)

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        # The webhook's `id` is the worker (docs/vendors/rippling.md §8); a deleted one is gone, and the poll settles it.
        records = []
        for worker_id in source_ids:
            try:
                records.append(self.source.get_worker(worker_id, expand=self.expand))
            except VendorNotFound:
                continue
        return records

    def source_id(self, record: dict) -> str:
        # The person, not the employment: rehires keep their Visma employee.
        person = record.get("user_id") or (record.get("user") or {}).get("id") or record["id"]
        if not isinstance(person, str) or not person:
            raise InvalidRecord("worker has neither a user_id nor an id")
        return person

    def department_name(self, department_id: str) -> str:
        return self.department_names_all().get(department_id, "")

    def department_names_all(self) -> dict[str, str]:
        if self._department_names is None:
            self._department_names = {d["id"]: d.get("name", "") for d in self.source.list_departments()}
        return self._department_names

    def map(self, record: dict, mappings: MappingSet) -> dict:
        if not isinstance(record, dict) or not record.get("id"):
            raise InvalidRecord("worker record has no id")
        redacted = set((record.get("__meta") or {}).get("redacted_fields") or ()) | self.redacted
        hidden = [f for f in ESSENTIAL if f in redacted and record.get(f) in (None, "")]
        if hidden:
            raise InvalidRecord(f"Rippling hides {', '.join(hidden)} from this API key, and the Visma employee "
                                "cannot be written without it; add the read scope to the key.")
        mapped = apply_rules(record, mappings.rules_for(self.name, self.rules), mappings)
        department_id = record.get("department_id")
        if not department_id:
            raise InvalidRecord("worker has no department")
        try:
            mapped["department"] = mappings.translate(DEPARTMENT_MAP, department_id, DEPARTMENT_LABEL)
        except MissingMapping:
            name = self.department_name(department_id) or "unknown department"
            raise MissingMapping(DEPARTMENT_MAP, department_id, DEPARTMENT_LABEL, f"department '{name}'")
        if self.segments:
            allocation = cost_allocation(record, self.segments, mappings, self.department_names_all())
            if allocation:
                mapped["subaccount"] = allocation
        location = self.location(record, mappings)
        if location:
            mapped["location"] = location
        terminated = record.get("status") == TERMINATED
        mapped["status"] = "Inactive" if terminated else "Active"
        return {**self.defaults, **mapped}

    def missing_reference(self, error, intent) -> str | None:
        # A segment or LOCATION value Visma refuses (it does not have it): held in Visma's words, released when
        # its mapping changes or, once someone adds the value in Visma, by the next run.
        return value_missing_in_visma(destination=self.destination, intent=intent, segments=self.segments,
                                      location_map=LOCATION_MAP, known=self._visma_values)

    def location(self, record: dict, mappings: MappingSet) -> str | None:
        """The Visma location of the worker's Rippling work location (docs/vendors/rippling.md §3 `location`).

        Opt-in: a company that maps no work location keeps Visma's own; once one is mapped, a worker at an
        unmapped one is held (with the place's name) until it is mapped too."""
        work_location = (record.get("location") or {}).get("work_location_id") if isinstance(
            record.get("location"), dict) else None
        if not work_location or not mappings.values.get(LOCATION_MAP):
            return None
        try:
            return mappings.translate(LOCATION_MAP, work_location, LOCATION_LABEL)
        except MissingMapping:
            if self._location_names is None:
                self._location_names = {w["id"]: w.get("name", "") for w in self.source.list_work_locations()}
            name = self._location_names.get(work_location) or "unknown work location"
            raise MissingMapping(LOCATION_MAP, work_location, LOCATION_LABEL, f"work location '{name}'")

