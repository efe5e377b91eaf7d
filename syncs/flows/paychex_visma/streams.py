"""The Paychex Flex → Visma.net streams (the flow is described in the package's docstring)."""
from __future__ import annotations

from abc import abstractmethod

from typing import Iterator

from connections.vendors.errors import VendorConfigurationError, VendorNotFound
from syncs.flows.base import FlowContext, Page, Stream, Trigger, WriteMode
from syncs.flows.visma_employees import VismaDepartmentLinks, VismaEmployeeWrites, employee_defaults, employee_rules
from syncs.flows.paychex_visma.dimensions import (JOB_MAP, JOB_MAP_TITLE, LOCATION_MAP, LOCATION_MAP_TITLE,
                                                   ORGANIZATION_MAP, ORGANIZATION_MAP_TITLE, DimensionResolver,
                                                   OrganizationResolver)
from syncs.mapping import InvalidRecord, MappingSet, apply_rules

EMPLOYEE_RULES = employee_rules(number="employeeId", first_name="name.givenName", last_name="name.familyName",
                                title="job.title")


class PaychexStream(Stream):
    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        self.company_id = str(self.source.config.get("company_id") or "").strip()
        if not self.company_id:
            raise VendorConfigurationError("The Paychex connection must name its Company ID for this flow.",
                                           vendor="Paychex")
        options = ctx.options
        self.organizations = OrganizationResolver(
            parent_fallback=bool(options.get("organization_parent_fallback")),
            source_names=lambda: {o["organizationId"]: o.get("name") or "" for o in self.organization_list()},
            parents=lambda: {o["organizationId"]: o.get("parentId") for o in self.organization_list()},
            target_values=lambda: [(d["departmentId"], d.get("description") or "")
                                   for d in self.destination.list_departments() if d.get("departmentId")])
        self.job_segment = int(options["job_segment"]) if str(options.get("job_segment") or "").isdigit() else None
        self.jobs = DimensionResolver(
            JOB_MAP, f"SUBACCOUNT segment {self.job_segment}", "job",
            source_names=lambda: {j["jobId"]: j.get("jobName") or "" for j in self.source.jobs(self.company_id)},
            target_values=lambda: [(v["valueId"], v.get("description") or "")
                                   for v in self.destination.list_cost_centers("SUBACCOUNT", self.job_segment)])
        self.location_dimension = bool(options.get("location_dimension"))
        self.locations = DimensionResolver(
            LOCATION_MAP, "Visma location", "location",
            source_names=lambda: {loc["locationId"]: loc.get("name") or ""
                                  for loc in self.source.locations(self.company_id)},
            target_values=lambda: [(v["valueId"], v.get("description") or "") for v in self.destination.list_locations()])
        self._organization_list: list[dict] | None = None

    def organization_list(self) -> list[dict]:
        if self._organization_list is None:
            self._organization_list = self.source.organizations(self.company_id)
        return self._organization_list


class ReferenceStream(PaychexStream):
    """Checks every value of one Paychex reference list, so an unresolvable one is flagged (held, listed in the
    admin) before a worker needs it. Nothing is written to Visma: the mapping or name match is the link,
    recorded in the id map."""

    write_mode = WriteMode.REFERENCE
    id_field = ""
    name_field = ""

    @abstractmethod
    def values(self) -> list[dict]:
        """The Paychex reference list this stream checks."""

    @abstractmethod
    def resolver(self) -> DimensionResolver:
        """How its values become Visma values."""

    def enabled(self) -> bool:
        return True

    def fetch(self, cursor: dict) -> Iterator[Page]:
        yield Page(self.values() if self.enabled() else [], {})

    def source_id(self, record: dict) -> str:
        if not isinstance(record, dict) or not record.get(self.id_field):
            raise InvalidRecord(f"reference value has no {self.id_field}")
        return str(record[self.id_field])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        name = record.get(self.name_field) or ""
        found = self.resolver().resolve_or_hold(self.source_id(record), mappings, name)
        return {"value": found.value, "via": found.via, "name": name}

    def write(self, mapped, target_id, record) -> str:
        return mapped["value"]


class Organizations(VismaDepartmentLinks, ReferenceStream):
    name = "organizations"
    id_field, name_field = "organizationId", "name"
    value_maps = {ORGANIZATION_MAP: ORGANIZATION_MAP_TITLE}
    department_field = "value"  # the drift report checks the linked Visma department still exists

    def values(self) -> list[dict]:
        return self.organization_list()

    def resolver(self) -> DimensionResolver:
        return self.organizations

    def map(self, record: dict, mappings: MappingSet) -> dict:
        return {**super().map(record, mappings), "path": " / ".join(self.organizations.path(self.source_id(record)))}


class Jobs(ReferenceStream):
    """Paychex jobs are job-costing codes (not titles, §4): they go to the SUBACCOUNT segment named by
    `job_segment`, when the company sets one."""

    name = "jobs"
    id_field, name_field = "jobId", "jobName"
    value_maps = {JOB_MAP: JOB_MAP_TITLE}

    def enabled(self) -> bool:
        return self.job_segment is not None

    def values(self) -> list[dict]:
        return self.source.jobs(self.company_id)

    def resolver(self) -> DimensionResolver:
        return self.jobs


class Locations(ReferenceStream):
    name = "locations"
    id_field, name_field = "locationId", "name"
    value_maps = {LOCATION_MAP: LOCATION_MAP_TITLE}

    def enabled(self) -> bool:
        return self.location_dimension

    def values(self) -> list[dict]:
        return self.source.locations(self.company_id)

    def resolver(self) -> DimensionResolver:
        return self.locations


class Employees(VismaEmployeeWrites, PaychexStream):
    name = "employees"
    triggers = frozenset({Trigger.POLL, Trigger.WEBHOOK})
    write_mode = WriteMode.UPSERT
    rules = EMPLOYEE_RULES
    value_maps = {ORGANIZATION_MAP: ORGANIZATION_MAP_TITLE, JOB_MAP: JOB_MAP_TITLE, LOCATION_MAP: LOCATION_MAP_TITLE}
    webhook_events = frozenset({"WORKER_MESSAGE"})

    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        self.page_size = int(ctx.options.get("page_size", 100))  # Paychex's recommended maximum (§5)
        self.defaults = employee_defaults(ctx.options)

    def fetch(self, cursor: dict) -> Iterator[Page]:
        # A full compare every run (no changed-since filter, docs/vendors/paychex.md §6); the engine writes only
        # what changed. The cursor is the next page's offset; after the last page the next run starts over.
        for workers, following in self.source.worker_pages(self.company_id, limit=self.page_size,
                                                           offset=int(cursor.get("offset") or 0)):
            yield Page(workers, {"offset": following or 0})

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        records = []
        for worker_id in source_ids:
            try:
                records.append(self.source.worker_with_assignment(worker_id, company_id=self.company_id))
            except VendorNotFound:
                continue  # gone from Paychex: the backstop settles it
        return records

    def source_id(self, record: dict) -> str:
        if not isinstance(record, dict) or not record.get("workerId"):
            raise InvalidRecord("worker record has no workerId")
        return str(record["workerId"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        mapped = apply_rules(record, mappings.rules_for(self.name, self.rules), mappings)
        email = next((c.get("uri") for c in record.get("communications") or []
                      if c.get("type") == "EMAIL" and c.get("uri")), None)
        if email:
            mapped.setdefault("contact", {})["email"] = email
        if not (record.get("organization") or {}).get("organizationId"):
            raise InvalidRecord("worker has no organization")
        organization = record["organization"]
        mapped["department"] = self.organizations.resolve_or_hold(
            str(organization["organizationId"]), mappings, organization.get("name") or "").value
        if self.job_segment is not None and record.get("jobId"):
            job = self.jobs.resolve_or_hold(str(record["jobId"]), mappings).value
            mapped["subaccount"] = [{"segmentId": self.job_segment, "segmentValue": job}]
        location_id = record.get("locationId") or (record.get("location") or {}).get("locationId")
        if self.location_dimension and location_id:
            mapped["location"] = self.locations.resolve_or_hold(str(location_id), mappings,
                                                                (record.get("location") or {}).get("name") or "").value
        # Visma's EmployeeDto has no employment dates (docs/vendors/visma.md §4): a termination is the status;
        # Paychex's hire and termination dates stay in the audit trail's source record.
        mapped["status"] = "Active" if (record.get("currentStatus") or {}).get("statusType") == "ACTIVE" else "Inactive"
        return {**self.defaults, **mapped}
