"""Writing Visma.net employees: upsert by employee number, reconciled by looking the number up.

A building block shared by every flow that writes Visma employees (Rippling, Dayforce, Paychex → Visma),
not a flow itself, so the registry skips it. map() returns EmployeeCreateDTO fields, unwrapped, with
`employeeCd` as the key.
"""
from __future__ import annotations

from connections.vendors.errors import VendorNotFound, VendorRejected
from connections.vendors.visma.schemas import wrap_values
from syncs.diff import leaves
from syncs.flows.base import Intent, Stream, WriteMode
from syncs.flows.drift import ControlTotal, DriftInput, Finding, Kind, headcount, headcount_totals
from syncs.mapping import FieldRule, get_path

# Where an EmployeeDto read back keeps what EmployeeCreateDTO fields were written as (docs/vendors/visma.md).
READ_AS = {"employeeCd": "employeeNumber", "calendar": "calendarID", "employeeClass": "employeeClass.id",
           "branch": "branch.number"}


def employee_rules(*, number: str, last_name: str, first_name: str = "", email: str = "",
                   title: str = "") -> list[FieldRule]:
    """Where an HR source keeps the fields every Visma employee gets (customers override any with a field
    mapping). Visma's employeeCd is digits (EmployeeDto.employeeId is an int), lastName and email are
    required by EmployeeCreateDTO's contact; a source without an e-mail leaves it out."""
    rules = [FieldRule("employeeCd", number, required=True, transform=lambda n: str(int(n)))]
    rules += [FieldRule("contact.firstName", first_name)] if first_name else []
    rules += [FieldRule("contact.lastName", last_name, required=True)]
    rules += [FieldRule("contact.email", email, required=True)] if email else []
    rules += [FieldRule("contact.title", title)] if title else []
    return rules


def employee_defaults(options: dict) -> dict:
    """The EmployeeCreateDTO fields no source provides, from the integration's options."""
    return {"employeeClass": options.get("employee_class", "EMPDEF"), "branch": options.get("branch", "1"),
            "calendar": options.get("calendar", "MAIN")}


class VismaEmployeeWrites:
    """Mixed into a Stream whose map() returns EmployeeCreateDTO fields (unwrapped) with `employeeCd`."""

    # Looked up at once after an unknown outcome: even a create Visma applied late cannot be doubled, because
    # Visma refuses a second employee with the same number (the refusal is then a visible failure, not a copy).
    reconcile_after_seconds = 0

    def natural_key(self, mapped: dict) -> str | None:
        return mapped.get("employeeCd")

    def reconcile(self, intent: Intent) -> str | None:
        """A Visma employee is found by its employee number (its key in Visma's API)."""
        number = self.natural_key(intent.mapped)
        try:
            self.destination.get_employee(number)
        except VendorNotFound:
            return None
        return number

    def current(self, target_id: str, mapped: dict) -> dict:
        """The employee as Visma has it now, field by field in the shape `mapped` writes (for a preview's
        before → after)."""
        employee, _ = self.destination.get_employee(target_id)
        now = {}
        for path in leaves(mapped):
            value = get_path(employee, READ_AS.get(path, path), None)
            if path == "subaccount" and isinstance(value, list):
                value = [{"segmentId": v.get("segmentId"), "segmentValue": v.get("segmentValue")} for v in value]
            now[path] = value
        return now

    def write(self, mapped: dict, target_id: str | None, record: dict) -> str:
        if target_id is None:
            try:
                key, _ = self.destination.create_employee(mapped)
                return key
            except VendorRejected as rejected:
                # On a first sync Visma may already have this person (entered by hand before the
                # integration existed): match on the employee number and update, never duplicate.
                try:
                    self.destination.get_employee(mapped["employeeCd"])
                except VendorNotFound:
                    raise rejected from None  # Visma's reason for refusing the new employee, not the 404
                target_id = mapped["employeeCd"]
        fields = {k: v for k, v in mapped.items() if k != "employeeCd"}
        # If-Match on the ETag just read; a 412 (someone edited the employee meanwhile) re-reads and retries once.
        self.destination.update_with_retry(f"v1/employee/{target_id}", lambda current: wrap_values(fields))
        return target_id


    # --- drift: every Visma employee, read back in map()'s shape, keyed by employee number ---------------
    # An employee's contact takes no title on writes (EmployeeUpdateDto's contact fields, CONTRACT §4): Visma keeps
    # its own (a salutation), so comparing it would report every employee. Found by this report: the rule is
    # still sent, and ignored by Visma.
    drift_ignore = frozenset({"contact.title"})

    def drift_destination(self) -> dict[str, dict]:
        if getattr(self, "_drift_employees", None) is None:
            self._drift_employees = {str(e.get("employeeId")): employee_as_written(e)
                                     for e in self.destination.list_employees()}
        return self._drift_employees

    def control_totals(self, given: DriftInput) -> list[ControlTotal]:
        """Active headcount per cost center (the Visma department), in the source and in all of Visma."""
        def active(record):
            return record.get("status") == "Active"

        def department(record):
            return record.get("department")

        return headcount_totals("active headcount per cost center",
                                headcount(given.expected.values(), group_of=department, active=active),
                                headcount(self.drift_destination().values(), group_of=department, active=active))


def employee_as_written(employee: dict) -> dict:
    """A Visma employee (EmployeeDto, as read) in the EmployeeCreateDTO terms map() writes, so they compare."""
    contact = employee.get("contact") or {}
    return {"employeeCd": str(employee.get("employeeId")),
            "contact": {k: contact.get(k) for k in ("firstName", "lastName", "email", "title")},
            "department": employee.get("department"), "status": employee.get("status"),
            "employeeClass": (employee.get("employeeClass") or {}).get("id"),
            "branch": (employee.get("branch") or {}).get("number"), "calendar": employee.get("calendarID"),
            "location": (employee.get("location") or {}).get("id"),
            "subaccount": [{"segmentId": s.get("segmentId"), "segmentValue": s.get("segmentValue")}
                           for s in employee.get("subaccount") or []]}


class VismaDepartmentLinks:
    """Mixed into a reference stream linking source units to Visma departments (Rippling departments, Paychex
    organizations): the drift report checks each linked department still exists in Visma."""

    department_field = "department"  # where map() puts the Visma department

    def drift_compare(self, given: DriftInput) -> list[Finding]:
        there = {str(d.get("departmentId")) for d in self.destination.list_departments()}
        return [Finding(Kind.MISSING, source_id, mapped[self.department_field],
                        note=f"Visma has no department {mapped[self.department_field]} any more")
                for source_id, mapped in given.expected.items() if str(mapped[self.department_field]) not in there]


class VismaEmployeeStream(VismaEmployeeWrites, Stream):
    """A stream writing Visma employees, for flows that need nothing else from a base class."""

    write_mode = WriteMode.UPSERT
