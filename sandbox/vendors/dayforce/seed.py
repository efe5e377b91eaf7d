"""The seeded Dayforce company: a four-level org hierarchy, twelve employees with effective-dated
history, two pay groups and their pay runs (with retro lines).

Everything is deterministic, so tests can name what they expect. Seeded modification times lie in
January 2026, long before the sandbox clock's "now", so delta windows over recent time select only
what a test changed.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sandbox.vendors.dayforce.contract import timestamp

SEED_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LONG_AGO = timestamp(datetime(2020, 1, 1, tzinfo=timezone.utc))

# (XRefCode, ShortName, LongName, OrgLevel, parent XRefCode): Corporate > Region > Site > Department.
ORG_UNITS = [
    ("CORP", "Northwind", "Northwind Group AS", "Corporate", None),
    ("NORTH", "North", "Region North", "Region", "CORP"),
    ("WEST", "West", "Region West", "Region", "CORP"),
    ("OSL", "Oslo", "Oslo office", "Site", "NORTH"),
    ("TRD", "Trondheim", "Trondheim office", "Site", "NORTH"),
    ("BGO", "Bergen", "Bergen office", "Site", "WEST"),
    ("SVG", "Stavanger", "Stavanger office", "Site", "WEST"),
    ("OSL-ENG", "Oslo Eng", "Oslo Engineering", "Department", "OSL"),
    ("OSL-SAL", "Oslo Sales", "Oslo Sales", "Department", "OSL"),
    ("TRD-ENG", "Trondheim Eng", "Trondheim Engineering", "Department", "TRD"),
    ("BGO-FIN", "Bergen Finance", "Bergen Finance", "Department", "BGO"),
    ("BGO-OPS", "Bergen Ops", "Bergen Operations", "Department", "BGO"),
    ("SVG-OPS", "Stavanger Ops", "Stavanger Operations", "Department", "SVG"),
]
# Only behind a test switch: two units that are each other's parent, and one whose parent does not exist.
ORG_ANOMALIES = [
    ("CYC-A", "Cycle A", "Cycle A", "Department", "CYC-B"),
    ("CYC-B", "Cycle B", "Cycle B", "Department", "CYC-A"),
    ("ORPHAN", "Orphan", "Orphaned unit", "Department", "GONE"),
]
DEPARTMENTS = {"ENG": "Engineering", "SAL": "Sales", "FIN": "Finance", "OPS": "Operations"}
JOBS = {"DEV": "Developer", "MGR": "Manager", "ACC": "Accountant", "TECH": "Technician", "REP": "Sales rep"}
PAY_GROUPS = {
    "NO-MONTHLY": ("Monthly salaried", "Monthly"),
    "NO-BIWEEKLY": ("Bi-weekly hourly", "BiWeekly"),
}

# first, last, org unit, department, job, pay group, yearly salary or hourly rate, manager index
EMPLOYEES = [
    ("Ada", "Lovelace", "OSL-ENG", "ENG", "MGR", "NO-MONTHLY", 960_000, None),
    ("Alan", "Turing", "OSL-ENG", "ENG", "DEV", "NO-MONTHLY", 780_000, 0),
    ("Grace", "Hopper", "TRD-ENG", "ENG", "DEV", "NO-MONTHLY", 744_000, 0),
    ("Edsger", "Dijkstra", "TRD-ENG", "ENG", "DEV", "NO-MONTHLY", 720_000, 0),
    ("Barbara", "Liskov", "BGO-OPS", "OPS", "TECH", "NO-BIWEEKLY", 310, 8),
    ("Donald", "Knuth", "BGO-FIN", "FIN", "ACC", "NO-MONTHLY", 660_000, 8),
    ("Frances", "Allen", "OSL-SAL", "SAL", "REP", "NO-MONTHLY", 600_000, 0),
    ("John", "Backus", "SVG-OPS", "OPS", "TECH", "NO-BIWEEKLY", 295, 8),
    ("Margaret", "Hamilton", "BGO-FIN", "FIN", "MGR", "NO-MONTHLY", 900_000, None),
    ("Ken", "Thompson", "OSL-SAL", "SAL", "REP", "NO-MONTHLY", 576_000, 0),
    ("Radia", "Perlman", "SVG-OPS", "OPS", "TECH", "NO-BIWEEKLY", 305, 8),
    ("Tony", "Hoare", "OSL-ENG", "ENG", "DEV", "NO-MONTHLY", 700_000, 0),
]
FIRST_XREF = 42100
# Seeded history: Edsger moved from Oslo to Trondheim; Donald's raise was back-dated (retro pay); Tony left.
TRANSFERRED = {3: ("OSL-ENG", datetime(2025, 6, 1, tzinfo=timezone.utc))}
RAISED = {5: (690_000, datetime(2026, 9, 1, tzinfo=timezone.utc))}
TERMINATED = {11: datetime(2025, 12, 31, tzinfo=timezone.utc)}

# Pay runs: monthly on the 25th, bi-weekly every 14 days; identified by pay group + pay date.
MONTHLY_PAY_DATES = [datetime(2026, month, 25, tzinfo=timezone.utc) for month in (9, 10, 11)]
BIWEEKLY_PAY_DATES = [datetime(2026, 9, 4, tzinfo=timezone.utc) + timedelta(days=14 * n) for n in range(7)]
FIRST_PAY_EXPORT_ID = 9001


def org_unit_records(anomalies: bool = False) -> dict[str, dict]:
    units = ORG_UNITS + (ORG_ANOMALIES if anomalies else [])
    modified = timestamp(SEED_EPOCH - timedelta(days=30))
    return {
        xref: {"XRefCode": xref, "ShortName": short, "LongName": long, "OrgLevel": level,
               "parents": [{"XRefCode": parent, "EffectiveStart": LONG_AGO}] if parent else [],
               "OpeningDate": LONG_AGO, "LastModifiedTimestamp": modified}
        for xref, short, long, level, parent in units
    }


def employee_records() -> dict[str, dict]:
    employees = {}
    for index, (first, last, unit, dept, job, pay_group, pay, manager) in enumerate(EMPLOYEES):
        xref = str(FIRST_XREF + index)
        hired = SEED_EPOCH - timedelta(days=400 * (len(EMPLOYEES) - index))
        # Spread modifications over a fortnight so delta windows select a subset.
        modified = timestamp(SEED_EPOCH + timedelta(days=index, hours=index))
        hourly = PAY_GROUPS[pay_group][1] == "BiWeekly"
        employee = {
            "master": {
                "XRefCode": xref, "EmployeeNumber": xref, "FirstName": first, "LastName": last,
                "DisplayName": f"{first} {last}", "Gender": "F" if index % 2 == 0 else "M",
                "BirthDate": timestamp(datetime(1970 + index, 1 + index % 12, 10, tzinfo=timezone.utc)),
                "HireDate": timestamp(hired), "OriginalHireDate": timestamp(hired), "StartDate": timestamp(hired),
                "SocialSecurityNumber": f"0101{70 + index:02d}{12345 + index}", "HomePhone": f"+47 22 00 {index:02d} 00",
                "LoginId": f"{first.lower()}.{last.lower()}", "LastModifiedTimestamp": modified,
            },
            "WorkAssignments": [work_assignment(unit, dept, job, hired, modified)],
            "EmploymentStatuses": [employment_status("ACTIVE", "HIRE", pay_group, pay, hourly, hired, xref, modified)],
            "EmployeeManagers": [],
            "Addresses": [{"Address1": f"Storgata {index + 1}", "City": "Oslo", "PostalCode": f"01{index:02d}",
                           "Country": {"XRefCode": "NOR", "ShortName": "Norway"},
                           "ContactInformationType": {"XRefCode": "PrimaryResidence", "ShortName": "Primary Residence"},
                           "EffectiveStart": timestamp(hired), "LastModifiedTimestamp": modified}],
            "Contacts": [
                {"ContactInformationType": {"XRefCode": "BusinessEmail", "ShortName": "Business Email"},
                 "ElectronicAddress": f"{first.lower()}.{last.lower()}@northwind.example",
                 "EffectiveStart": timestamp(hired), "LastModifiedTimestamp": modified},
                {"ContactInformationType": {"XRefCode": "BusinessPhone", "ShortName": "Business Phone"},
                 "ContactNumber": f"+47 40 00 {index:02d} 00", "EffectiveStart": timestamp(hired),
                 "LastModifiedTimestamp": modified},
            ],
            "updates": [("Employee", modified)],
        }
        if manager is not None:
            boss = EMPLOYEES[manager]
            employee["EmployeeManagers"].append({
                "ManagerXRefCode": str(FIRST_XREF + manager), "ManagerFirstName": boss[0], "ManagerLastName": boss[1],
                "EffectiveStart": timestamp(hired), "LastModifiedTimestamp": modified})
        employees[xref] = employee
    for index, (old_unit, moved) in TRANSFERRED.items():
        employee = employees[str(FIRST_XREF + index)]
        current = employee["WorkAssignments"][0]
        earlier = {**current, "Location": org_ref(old_unit), "EffectiveEnd": timestamp(moved - timedelta(days=1))}
        current["EffectiveStart"] = timestamp(moved)
        employee["WorkAssignments"].insert(0, earlier)
    for index, (salary, raised) in RAISED.items():
        statuses = employees[str(FIRST_XREF + index)]["EmploymentStatuses"]
        statuses.append({**statuses[-1], "BaseSalary": float(salary), "EffectiveStart": timestamp(raised),
                         "EmploymentStatusReason": {"XRefCode": "RAISE", "ShortName": "Merit increase"}})
        statuses[-2]["EffectiveEnd"] = timestamp(raised - timedelta(days=1))
    for index, left in TERMINATED.items():
        employee = employees[str(FIRST_XREF + index)]
        employee["master"]["TerminationDate"] = timestamp(left)
        statuses = employee["EmploymentStatuses"]
        statuses[-1]["EffectiveEnd"] = timestamp(left)
        statuses.append({**statuses[-1], "EffectiveStart": timestamp(left + timedelta(days=1)),
                         "EmploymentStatus": {"XRefCode": "TERMINATED", "ShortName": "Terminated"},
                         "EmploymentStatusGroup": {"XRefCode": "TERMINATED", "ShortName": "Terminated"},
                         "EmploymentStatusReason": {"XRefCode": "RESIGNATION", "ShortName": "Resignation"}})
        statuses[-1].pop("EffectiveEnd")
    return employees


def org_ref(xref: str) -> dict:
    short, long = next((s, lg) for x, s, lg, _, _ in ORG_UNITS + ORG_ANOMALIES if x == xref)
    return {"XRefCode": xref, "ShortName": short, "LongName": long}


def work_assignment(unit: str, dept: str, job: str, start: datetime, modified: str) -> dict:
    return {
        "Position": {"XRefCode": f"{dept}-{job}", "ShortName": f"{DEPARTMENTS[dept]} {JOBS[job]}",
                     "Department": {"XRefCode": dept, "ShortName": DEPARTMENTS[dept], "LongName": DEPARTMENTS[dept]},
                     "Job": {"XRefCode": job, "ShortName": JOBS[job], "LongName": JOBS[job]}},
        "Location": org_ref(unit), "EffectiveStart": timestamp(start), "IsPrimary": True,
        "BusinessTitle": JOBS[job], "FTE": 1.0, "LastModifiedTimeStamp": modified,  # sic: capital S (SPEC)
    }


def employment_status(status: str, reason: str, pay_group: str, pay: float, hourly: bool, start: datetime,
                      number: str, modified: str) -> dict:
    name, frequency = PAY_GROUPS[pay_group]
    return {
        "EmploymentStatus": {"XRefCode": status, "ShortName": status.title()},
        "EmploymentStatusGroup": {"XRefCode": status, "ShortName": status.title()},
        "EmploymentStatusReason": {"XRefCode": reason, "ShortName": reason.title()},
        "PayType": {"XRefCode": "HOURLY" if hourly else "SALARIED", "ShortName": "Hourly" if hourly else "Salaried"},
        "PayGroup": {"XRefCode": pay_group, "ShortName": name, "LongName": name,
                     "PayFrequency": {"XRefCode": frequency, "ShortName": frequency, "PayFrequencyType": frequency}},
        "PayClass": {"XRefCode": "FT", "ShortName": "Full Time"},
        **({"BaseRate": float(pay)} if hourly else {"BaseSalary": float(pay)}),
        "NormalWeeklyHours": 37.5, "EffectiveStart": timestamp(start), "EmployeeNumber": number,
        "LastModifiedTimestamp": modified,
    }
