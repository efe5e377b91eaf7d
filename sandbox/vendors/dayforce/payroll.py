"""Seeded pay runs and their EmployeePaySummary lines (openapi.yaml `EmployeePaySummary`).

A pay run is one pay group's pay date. Its lines carry the run's `PayExportId`; a corrected run (lines
changed after it was exported) gets a new export id, as a re-export would. The lines have no pay-group
field in the spec, so a caller that posts per pay group asks per `payGroupXRefCode`.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.vendors.dayforce import seed
from sandbox.vendors.dayforce.contract import UNCONFIRMED, parse_date, timestamp

# Donald's raise (effective 1 September) was keyed in on 1 October: September paid the old salary,
# and the October run carries the difference as a retro line.
RAISE_ENTERED = {5: datetime(2026, 10, 1, tzinfo=seed.SEED_EPOCH.tzinfo)}
# Optional filters of EmployeePaySummaries (SPEC), by the line field they compare; payGroupXRefCode selects runs.
LINE_FILTERS = {"employeeXRefCode": "EmployeeXRefCode", "locationXRefCode": "LocationXRefCode",
                "payCategoryXRefCode": "PayCategoryXRefCode"}
QUERY_ARGS = ("filterPaySummaryStartDate", "filterPaySummaryEndDate", "payGroupXRefCode", "pageSize", *LINE_FILTERS)
HOURS_PER_PERIOD = 75.0
OVERTIME_HOURS = 4.0


@dataclass
class PayRun:
    pay_group: str
    pay_date: datetime
    period_start: datetime
    period_end: datetime
    export_id: int
    lines: list[dict] = field(default_factory=list)
    corrections: int = 0


def effective(items: list[dict], moment: datetime) -> dict | None:
    for item in items:
        end = item.get("EffectiveEnd")
        if parse_date(item["EffectiveStart"]) <= moment and (end is None or moment < parse_date(end) + timedelta(days=1)):
            return item
    return None


def line(employee: dict, assignment: dict, run: PayRun, code: str, category: str, hours: float, rate: float,
         amount: float, premium: bool = False) -> dict:
    position = assignment["Position"]
    return {
        "EmployeeXRefCode": employee["master"]["XRefCode"], "PositionXRefCode": position["XRefCode"],
        "DepartmentXRefCode": position["Department"]["XRefCode"], "JobXRefCode": position["Job"]["XRefCode"],
        "LocationXRefCode": assignment["Location"]["XRefCode"], "PayCodeXRefCode": code,
        "PayCategoryXRefCode": category, "PayDate": timestamp(run.pay_date), "BusinessDate": timestamp(run.period_end),
        "NetHours": hours, "MinuteDuration": int(hours * 60), "Rate": round(rate, 4), "PayAmount": round(amount, 2),
        "IsPremium": premium, "PayExportId": run.export_id,
    }


def run_lines(run: PayRun, employees: dict[str, dict]) -> list[dict]:
    lines = []
    for index, employee in enumerate(employees.values()):
        status = effective(employee["EmploymentStatuses"], run.period_end)
        assignment = effective(employee["WorkAssignments"], run.period_end)
        if not status or not assignment or status["EmploymentStatus"]["XRefCode"] != "ACTIVE":
            continue
        if status["PayGroup"]["XRefCode"] != run.pay_group:
            continue
        if "BaseRate" in status:
            rate = status["BaseRate"]
            lines.append(line(employee, assignment, run, "REG", "Regular", HOURS_PER_PERIOD, rate,
                              HOURS_PER_PERIOD * rate))
            if index % 2 == 0:
                lines.append(line(employee, assignment, run, "OT150", "Overtime", OVERTIME_HOURS, rate * 1.5,
                                  OVERTIME_HOURS * rate * 1.5, premium=True))
            continue
        salary = status["BaseSalary"]
        seq = int(employee["master"]["XRefCode"]) - seed.FIRST_XREF
        entered = RAISE_ENTERED.get(seq)
        if entered and run.pay_date < entered:
            salary = employee["EmploymentStatuses"][-2]["BaseSalary"]  # not yet keyed in
        lines.append(line(employee, assignment, run, "SAL", "Regular", 162.5, salary / 12 / 162.5, salary / 12))
        if entered and run.pay_date >= entered and run.pay_date - timedelta(days=31) < entered:
            old, new = employee["EmploymentStatuses"][-2]["BaseSalary"], salary
            lines.append(line(employee, assignment, run, "RETRO-SAL", "Retro", 0.0, 0.0, (new - old) / 12))
        if run.pay_date.month == 11:
            lines.append(line(employee, assignment, run, "BONUS", "Bonus", 0.0, 0.0, salary * 0.05))
    return lines


def seed_pay_runs(employees: dict[str, dict]) -> list[PayRun]:
    runs = []
    export_id = seed.FIRST_PAY_EXPORT_ID
    for pay_group, dates, length in (("NO-MONTHLY", seed.MONTHLY_PAY_DATES, None),
                                     ("NO-BIWEEKLY", seed.BIWEEKLY_PAY_DATES, 14)):
        for pay_date in dates:
            if length:
                period_end = pay_date - timedelta(days=6)
                period_start = period_end - timedelta(days=length - 1)
            else:
                period_start = pay_date.replace(day=1)
                period_end = (period_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            run = PayRun(pay_group, pay_date, period_start, period_end, export_id)
            run.lines = run_lines(run, employees)
            runs.append(run)
            export_id += 1
    return runs


def pay_summary_page(runs: list[PayRun], query: dict) -> tuple[list[dict], str]:
    """One page of the lines `query` selects, and the cursor of the next page ("" on the last)."""
    start, end = parse_date(query["filterPaySummaryStartDate"]), parse_date(query["filterPaySummaryEndDate"])
    on = UNCONFIRMED["pay_summaries_filter_on"]
    lines = [item for run in runs if query.get("payGroupXRefCode") in (None, run.pay_group)
             for item in run.lines if start <= parse_date(item[on]) <= end
             and all(item[key] == query[name] for name, key in LINE_FILTERS.items() if query.get(name))]
    offset, size = query.get("offset", 0), int(query.get("pageSize") or UNCONFIRMED["default_page_size"])
    if offset + size >= len(lines):
        return lines[offset:], ""
    following = base64.urlsafe_b64encode(json.dumps({**query, "offset": offset + size}).encode()).decode()
    return lines[offset:offset + size], following


def cursor_query(cursor: str) -> dict | None:
    """The query a cursor continues, or None for one Dayforce would not have issued."""
    try:
        query = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        return None
    return query if isinstance(query, dict) and "filterPaySummaryStartDate" in query else None
