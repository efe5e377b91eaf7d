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
from syncs.mapping import get_path

# Where an EmployeeDto read back keeps what EmployeeCreateDTO fields were written as (docs/vendors/visma.md).
READ_AS = {"employeeCd": "employeeNumber", "calendar": "calendarID", "employeeClass": "employeeClass.id",
           "branch": "branch.number"}


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


class VismaEmployeeStream(VismaEmployeeWrites, Stream):
    """A stream writing Visma employees, for flows that need nothing else from a base class."""

    write_mode = WriteMode.UPSERT
