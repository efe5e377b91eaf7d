"""The Paychex Flex → Visma.net streams (the flow is described in the package's docstring)."""
from __future__ import annotations

from typing import Iterator

from connections.vendors.errors import VendorConfigurationError, VendorNotFound
from syncs.flows.base import FlowContext, Page, Stream, Trigger, WriteMode
from syncs.flows.visma_employees import VismaDepartmentLinks, VismaEmployeeWrites, employee_defaults
from syncs.mapping import FieldRule, InvalidRecord, MappingSet, MissingMapping, apply_rules

ORGANIZATION_MAP = "organization_to_department"
ORGANIZATION_LABEL = "Visma department"
ORGANIZATION_MAP_TITLE = "Paychex organization → Visma department"
EMPLOYEE_RULES = [
    FieldRule("employeeCd", "employeeId", required=True, transform=lambda n: str(int(n))),
    FieldRule("contact.firstName", "name.givenName"),
    FieldRule("contact.lastName", "name.familyName", required=True),
    FieldRule("contact.title", "job.title"),
]


def name_key(name: str) -> str:
    return " ".join(str(name or "").lower().split())


class PaychexStream(Stream):
    def __init__(self, ctx: FlowContext):
        super().__init__(ctx)
        self.company_id = str(self.source.config.get("company_id") or "").strip()
        if not self.company_id:
            raise VendorConfigurationError("The Paychex connection must name its Company ID for this flow.",
                                           vendor="Paychex")
        self._departments: dict[str, str] | None = None

    def department_for(self, organization: dict, mappings: MappingSet) -> str:
        """The explicit mapping, else the Visma department named like the organization; else held."""
        org_id, name = str(organization.get("organizationId") or ""), organization.get("name") or ""
        try:
            return mappings.translate(ORGANIZATION_MAP, org_id, ORGANIZATION_LABEL)
        except MissingMapping:
            pass
        if self._departments is None:
            self._departments = {}
            for department in self.destination.list_departments():
                for label in (department.get("description"), department.get("departmentId")):
                    self._departments.setdefault(name_key(label), str(department["departmentId"]))
        if name_key(name) in self._departments:
            return self._departments[name_key(name)]
        raise MissingMapping(ORGANIZATION_MAP, org_id, ORGANIZATION_LABEL, f"organization '{name or org_id}'")


class Organizations(VismaDepartmentLinks, PaychexStream):
    """Checks every organization against the mapping, so an unmapped one is flagged before a worker needs it.
    Nothing is written to Visma: the mapping (or the name match) is the link, recorded in the id map."""

    name = "organizations"
    write_mode = WriteMode.REFERENCE
    value_maps = {ORGANIZATION_MAP: ORGANIZATION_MAP_TITLE}

    def fetch(self, cursor: dict) -> Iterator[Page]:
        yield Page(self.source.organizations(self.company_id), {})

    def source_id(self, record: dict) -> str:
        return str(record["organizationId"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        return {"department": self.department_for(record, mappings), "name": record.get("name") or ""}

    def write(self, mapped, target_id, record) -> str:
        return mapped["department"]


class Employees(VismaEmployeeWrites, PaychexStream):
    name = "employees"
    triggers = frozenset({Trigger.POLL, Trigger.WEBHOOK})
    write_mode = WriteMode.UPSERT
    rules = EMPLOYEE_RULES
    value_maps = {ORGANIZATION_MAP: ORGANIZATION_MAP_TITLE}
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
        mapped["department"] = self.department_for(record["organization"], mappings)
        mapped["status"] = "Active" if (record.get("currentStatus") or {}).get("statusType") == "ACTIVE" else "Inactive"
        return {**self.defaults, **mapped}
