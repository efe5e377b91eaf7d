"""One Dayforce client instance (namespace): its users, HR data and pay runs, and the changes tests make.

Every mutation is stamped with the sandbox clock's "now": the touched records' LastModifiedTimestamp,
and an entry in the employee's update log that the `filterUpdated*` search reads. Effective-dated
changes end the current record the day before and start a new one, as Dayforce keeps history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.vendors.dayforce import payroll, seed
from sandbox.vendors.dayforce.contract import timestamp
from sandbox.vendors.dayforce.payroll import PayRun, effective


@dataclass
class WebServicesUser:
    username: str
    password: str
    features: frozenset[str] = field(default_factory=frozenset)
    hidden_fields: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Namespace:
    name: str
    users: dict[str, WebServicesUser]
    employees: dict[str, dict] = field(default_factory=seed.employee_records)
    org_units: dict[str, dict] = field(default_factory=seed.org_unit_records)
    pay_runs: list[PayRun] = field(default_factory=list)
    # Dayforce documents no order for the employee search (§4.1). "stored" answers in the order employees were
    # added; "reversed" backwards, so a test can show a walk resumed between two searches does not rely on it.
    search_order: str = "stored"

    def __post_init__(self):
        if not self.pay_runs:
            self.pay_runs = payroll.seed_pay_runs(self.employees)

    # --- employees ----------------------------------------------------------------------
    def touched(self, xref: str, entity: str, now: datetime) -> dict:
        employee = self.employees[xref]
        employee["updates"].append((entity, timestamp(now)))
        if entity == "Employee":
            employee["master"]["LastModifiedTimestamp"] = timestamp(now)
        return employee

    def hire(self, *, first: str, last: str, org_unit: str, department: str, job: str, pay_group: str,
             pay: float, now: datetime, start: datetime | None = None) -> str:
        xref = str(max(int(x) for x in self.employees) + 1)
        start = start or now
        modified = timestamp(now)
        hourly = seed.PAY_GROUPS[pay_group][1] == "BiWeekly"
        self.employees[xref] = {
            "master": {"XRefCode": xref, "EmployeeNumber": xref, "FirstName": first, "LastName": last,
                       "DisplayName": f"{first} {last}", "HireDate": timestamp(start),
                       "OriginalHireDate": timestamp(start), "StartDate": timestamp(start),
                       "LastModifiedTimestamp": modified},
            "WorkAssignments": [seed.work_assignment(org_unit, department, job, start, modified)],
            "EmploymentStatuses": [seed.employment_status("ACTIVE", "HIRE", pay_group, pay, hourly, start, xref,
                                                          modified)],
            "EmployeeManagers": [], "Addresses": [], "Contacts": [],
            "updates": [("Employee", modified)],
        }
        return xref

    def edit(self, xref: str, *, now: datetime, **fields) -> None:
        """Change master-record fields (names, phone…): not effective-dated in Dayforce."""
        employee = self.touched(xref, "Employee", now)
        employee["master"].update(fields)

    def touch_hidden(self, xref: str, *, now: datetime) -> None:
        """An update the search matches but no expand shows (it searches every HR entity, §4.1)."""
        self.touched(xref, "EmployeeProperties", now)

    def corrupt(self, xref: str, *, now: datetime) -> None:
        """A record that is valid JSON for the spec but unusable: no names, no work assignment."""
        employee = self.touched(xref, "Employee", now)
        employee["master"].update(FirstName="", LastName="", DisplayName="")
        employee["WorkAssignments"] = []

    def _succeed(self, items: list[dict], start: datetime, now: datetime, **changes) -> dict:
        """End the record effective at `start` the day before and add its successor from `start`."""
        current = effective(items, start) or items[-1]
        successor = {key: value for key, value in current.items() if key != "EffectiveEnd"}
        current["EffectiveEnd"] = timestamp(start - timedelta(days=1))
        # WorkAssignments spell it LastModifiedTimeStamp (SPEC); every other record LastModifiedTimestamp.
        stamp = "LastModifiedTimeStamp" if "LastModifiedTimeStamp" in current else "LastModifiedTimestamp"
        current[stamp] = timestamp(now)
        successor.update(changes, EffectiveStart=timestamp(start), **{stamp: timestamp(now)})
        items.insert(items.index(current) + 1, successor)
        return successor

    def transfer(self, xref: str, *, org_unit: str, now: datetime, department: str | None = None,
                 job: str | None = None, start: datetime | None = None) -> None:
        employee = self.touched(xref, "WorkAssignments", now)
        current = effective(employee["WorkAssignments"], start or now) or employee["WorkAssignments"][-1]
        position = current["Position"]
        replacement = seed.work_assignment(org_unit, department or position["Department"]["XRefCode"],
                                           job or position["Job"]["XRefCode"], start or now, timestamp(now))
        self._succeed(employee["WorkAssignments"], start or now, now, Position=replacement["Position"],
                      Location=replacement["Location"], BusinessTitle=replacement["BusinessTitle"])

    def terminate(self, xref: str, *, now: datetime, last_day: datetime | None = None) -> None:
        last_day = last_day or now
        employee = self.touched(xref, "EmploymentStatuses", now)
        self._succeed(employee["EmploymentStatuses"], last_day + timedelta(days=1), now,
                      EmploymentStatus={"XRefCode": "TERMINATED", "ShortName": "Terminated"},
                      EmploymentStatusGroup={"XRefCode": "TERMINATED", "ShortName": "Terminated"},
                      EmploymentStatusReason={"XRefCode": "TERMINATION", "ShortName": "Termination"})
        employee["master"]["TerminationDate"] = timestamp(last_day)
        employee["master"]["LastModifiedTimestamp"] = timestamp(now)

    def rehire(self, xref: str, *, now: datetime, start: datetime | None = None) -> None:
        start = start or now
        employee = self.touched(xref, "EmploymentStatuses", now)
        self._succeed(employee["EmploymentStatuses"], start, now,
                      EmploymentStatus={"XRefCode": "ACTIVE", "ShortName": "Active"},
                      EmploymentStatusGroup={"XRefCode": "ACTIVE", "ShortName": "Active"},
                      EmploymentStatusReason={"XRefCode": "REHIRE", "ShortName": "Rehire"})
        master = employee["master"]
        master.pop("TerminationDate", None)
        master.update(HireDate=timestamp(start), StartDate=timestamp(start), LastModifiedTimestamp=timestamp(now))

    # --- org units ----------------------------------------------------------------------
    def org_move(self, xref: str, *, parent: str, now: datetime, start: datetime | None = None) -> None:
        unit = self.org_units[xref]
        start = start or now
        for link in unit["parents"]:
            link.setdefault("EffectiveEnd", timestamp(start - timedelta(days=1)))
        unit["parents"].append({"XRefCode": parent, "EffectiveStart": timestamp(start)})
        unit["LastModifiedTimestamp"] = timestamp(now)

    def org_rename(self, xref: str, *, now: datetime, short_name: str | None = None,
                   long_name: str | None = None) -> None:
        unit = self.org_units[xref]
        unit.update({k: v for k, v in (("ShortName", short_name), ("LongName", long_name)) if v})
        unit["LastModifiedTimestamp"] = timestamp(now)

    # --- pay runs -----------------------------------------------------------------------
    def pay_run(self, pay_group: str, pay_date: datetime) -> PayRun:
        return next(r for r in self.pay_runs if r.pay_group == pay_group and r.pay_date.date() == pay_date.date())

    def pay_run_correct(self, pay_group: str, pay_date: datetime, *, employee: str, pay_code: str, amount: float,
                        now: datetime) -> PayRun:
        """Change one line of an exported run; the run is re-exported under a new PayExportId."""
        run = self.pay_run(pay_group, pay_date)
        run.export_id = max(r.export_id for r in self.pay_runs) + 1
        run.corrections += 1
        for item in run.lines:
            item["PayExportId"] = run.export_id
            if item["EmployeeXRefCode"] == employee and item["PayCodeXRefCode"] == pay_code:
                item["PayAmount"] = round(amount, 2)
        return run
