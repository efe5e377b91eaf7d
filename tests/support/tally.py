"""What the sandbox shows after a chaos run: records duplicated, lost or stale at the destination.

The judge of tests/chaos/ and benchmarks/chaos.py. It reads only the sandbox (its data and its request
log), never the engine's bookkeeping, so an engine cannot grade itself.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

EMPLOYEE_PATH = "/visma/v1/employee"
JOURNAL_PATH = "/visma/v2/journaltransaction"
DUPLICATE_ANSWER = "already exists"  # Visma's 400 for a second employee with the same employeeCd


@dataclass
class Tally:
    records: int  # source records that should be at the destination exactly once
    duplicated: int = 0  # extra copies at the destination + creates it refused as duplicates
    refused: int = 0  # of which: creates refused as duplicates (a blind resend the vendor caught)
    lost: int = 0  # source records with no copy at the destination
    stale: int = 0  # copies whose fields differ from the source's current values
    examples: list = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.duplicated or self.lost or self.stale)

    def line(self) -> str:
        return (f"{self.records} records: {self.duplicated} duplicated ({self.refused} refused as duplicates), "
                f"{self.lost} lost, {self.stale} stale")


def employees_tally(app) -> Tally:
    """Rippling workers against Visma employees: one employee per worker, by employee number, with its e-mail
    and status; every create Visma refused as 'already exists' counts as a duplicate the engine attempted."""
    workers = list(app["rippling"].data["workers"].rows.values())
    employees = {}
    copies = Counter()
    for employee in app["visma"].data.tables["employees"].ordered()[0]:
        copies[employee["employeeNumber"]] += 1
        employees[employee["employeeNumber"]] = employee
    refused = len(app.log.filter(vendor="visma", method="POST", path_contains=EMPLOYEE_PATH, status=400,
                                 answer_contains=DUPLICATE_ANSWER))
    tally = Tally(records=len(workers), refused=refused, duplicated=refused)
    for worker in workers:
        number = str(int(worker["number"]))
        employee = employees.get(number)
        if employee is None:
            tally.lost += 1
            tally.examples.append(f"worker {number} has no Visma employee")
            continue
        tally.duplicated += copies[number] - 1
        expected_status = "Inactive" if worker.get("status") == "TERMINATED" else "Active"
        if employee["contact"].get("email") != worker["work_email"] or employee["status"] != expected_status:
            tally.stale += 1
            tally.examples.append(f"employee {number}: {employee['contact'].get('email')}/{employee['status']}, "
                                  f"Rippling says {worker['work_email']}/{expected_status}")
    return tally


def journal_tally(app, expected: dict[str, float], *, reference_of: Callable[[dict], str] | None = None) -> Tally:
    """A destination with no natural key: Visma journal transactions, found by the external reference each
    carries (`reference_of`, by default the transaction's description). `expected` maps reference → debit total.
    Two transactions with one reference are a double GL posting."""
    reference_of = reference_of or (lambda transaction: transaction.get("description", ""))
    by_reference: dict[str, list[dict]] = {}
    for record in app["visma"].data.tables["journal_transactions"].ordered()[0]:
        by_reference.setdefault(reference_of(record), []).append(record)
    tally = Tally(records=len(expected))
    for reference, amount in expected.items():
        found = by_reference.get(reference, [])
        if not found:
            tally.lost += 1
            tally.examples.append(f"no journal transaction {reference}")
            continue
        tally.duplicated += len(found) - 1
        debit = sum(line.get("debitAmountInCurrency", 0) for line in found[0]["journalTransactionLines"])
        if round(debit - amount, 2):
            tally.stale += 1
            tally.examples.append(f"journal transaction {reference}: debit {debit}, expected {amount}")
    return tally
