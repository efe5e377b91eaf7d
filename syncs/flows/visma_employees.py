"""Writing Visma.net employees: an upsert keyed by the employee number.

A building block for flows whose destination is Visma's employee register (Rippling → Visma,
Dayforce → Visma), not a flow itself. map() returns EmployeeUpdateDto fields, unwrapped, with
`employeeCd` as the key.
"""
from __future__ import annotations

from connections.vendors.errors import VendorNotFound, VendorRejected
from connections.vendors.visma.schemas import wrap_values
from syncs.flows.base import Intent, Stream, WriteMode


class VismaEmployeeStream(Stream):
    write_mode = WriteMode.UPSERT

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
