"""A Dayforce pay run as one Visma journal transaction: pure functions, no database and no HTTP.

A pay run is one pay group's pay date (Dayforce's EmployeePaySummary lines carry no pay-group field, so
the stream asks per pay group). Each line's amount is debited to the GL account its pay code maps to (or,
when the code has no mapping, its pay category), on the subaccount its department (segment 1) and org
unit (segment 2, the cost centre) map to; lines on the same account and subaccount are summed. Each
subaccount's total is credited to the payroll clearing account on the same subaccount, so the
transaction balances per cost centre, and therefore in total. Amounts are summed as Decimals in øre and
`debits == credits` is checked before anything is posted.

`preflight` checks the journal against what Visma holds (an open period, accounts, segment values); it
returns the first problem as a hold, so the pay run waits with the exact reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from syncs.flows.dayforce_visma.hierarchy import OrgTree, segment_items
from syncs.mapping import InvalidRecord, MappingSet, MissingMapping

PAY_CODE_MAP = "pay_code_to_gl_account"
PAY_CODE_MAP_TITLE = "Dayforce pay code → Visma GL account"
PAY_CATEGORY_MAP = "pay_category_to_gl_account"
PAY_CATEGORY_MAP_TITLE = "Dayforce pay category → Visma GL account (when the pay code has no mapping)"
DEPARTMENT_SEGMENT_MAP = "department_to_subaccount_department"
DEPARTMENT_SEGMENT_MAP_TITLE = "Dayforce department → Visma subaccount department (segment 1)"
CENT = Decimal("0.01")


class PayRunHeld(MissingMapping):
    """A pay run that may not be posted yet: held with `reason`; `missing_key` names the mapping to fix, if any."""

    def __init__(self, reason: str, key: str = ""):
        Exception.__init__(self, reason)
        self.map_name, _, self.source_value = key.partition(":")
        self.label = self.map_name

    @property
    def key(self) -> str:
        return f"{self.map_name}:{self.source_value}" if self.map_name else ""


class UnbalancedJournal(Exception):
    """Debits differ from credits: never posted (a bug of ours or odd amounts; the pay run is held)."""


def pay_run_id(pay_group: str, pay_date: str) -> str:
    return f"{pay_group}:{pay_date[:10]}"


def pay_runs_of(pay_group: str, lines: list[dict]) -> list[dict]:
    """Lines of one pay group, grouped into pay runs by pay date (one pay date = one pay period's run)."""
    runs: dict[str, dict] = {}
    for line in lines:
        date = str(line.get("PayDate") or "")[:10]  # lines without one gather under "" and are quarantined
        run = runs.setdefault(date, {"pay_group": pay_group, "pay_date": date, "export_ids": [], "lines": []})
        run["lines"].append(line)
        if line.get("PayExportId") not in run["export_ids"]:
            run["export_ids"].append(line.get("PayExportId"))
    return list(runs.values())


def amount(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise InvalidRecord(f"PayAmount {value!r} is not an amount") from None


@dataclass
class JournalOptions:
    clearing_account: str
    cost_center_map: str  # the org unit → cost-centre value mapping (shared with the org_units stream)
    cost_center_segment: int = 2
    department_segment: int = 1
    # The org units with the hierarchy mode: flattened, a line's org unit is one cost-centre value; nested, it
    # is the unit with its parents, one value per level segment (hierarchy.py). None: flattened, no units read.
    org_tree: OrgTree | None = None

    def tree(self) -> OrgTree:
        return self.org_tree or OrgTree({}, {"cost_center_segment": self.cost_center_segment})


@dataclass
class Totals:
    debit: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    by_cost_center: dict[str, Decimal] = field(default_factory=dict)


def gl_account(line: dict, mappings: MappingSet) -> tuple[str, str]:
    """(account, the mapping it came from as map:value) for one line: by pay code, else by pay category."""
    code, category = line.get("PayCodeXRefCode"), line.get("PayCategoryXRefCode")
    codes, categories = mappings.values.get(PAY_CODE_MAP, {}), mappings.values.get(PAY_CATEGORY_MAP, {})
    if code in codes:
        return codes[code], f"{PAY_CODE_MAP}:{code}"
    if category in categories:
        return categories[category], f"{PAY_CATEGORY_MAP}:{category}"
    raise MissingMapping(PAY_CODE_MAP, code, "pay code → GL account",
                         f"pay code '{code}' (category '{category}')")


def journal_of(run: dict, mappings: MappingSet, options: JournalOptions, posted_allocations: dict | None = None) -> dict:
    """JournalTransactionUpdateDto fields (unwrapped) for one pay run, plus `sources`: which mapping each
    account and segment value came from, for the pre-flight's reasons (dropped before posting).

    Nested, also `allocations`: each org unit's level values as used. `posted_allocations` are those of the
    version already posted: an org unit keeps them (decision: a pay period is booked on the hierarchy it was
    first posted with; a later move shapes later pay runs and never reposts history)."""
    debits: dict[tuple[str, str, tuple], Decimal] = {}
    sources: dict[str, str] = {}
    tree = options.tree()
    used: dict[str, list[dict]] = {}
    for line in run["lines"]:
        account, source = gl_account(line, mappings)
        sources[f"account:{account}"] = source
        department, unit = line.get("DepartmentXRefCode"), line.get("LocationXRefCode")
        dept_value = mappings.translate(DEPARTMENT_SEGMENT_MAP, department, "department → subaccount department")
        allocation = used.get(unit) or (posted_allocations or {}).get(unit) or tree.allocation(unit, mappings)
        used[unit] = allocation
        sources[f"segment{options.department_segment}:{dept_value}"] = f"{DEPARTMENT_SEGMENT_MAP}:{department}"
        for item in allocation:
            sources[f"segment{item['segmentId']}:{item['segmentValue']}"] = f"{options.cost_center_map}:{item['orgUnit']}"
        key = (account, dept_value, tuple((i["segmentId"], i["segmentValue"]) for i in segment_items(allocation)))
        debits[key] = debits.get(key, Decimal("0.00")) + amount(line.get("PayAmount"))
    lines, credits = [], {}
    for (account, dept_value, cost_center), total in sorted(debits.items()):
        if total == 0:
            continue
        lines.append(journal_line(account, options, dept_value, cost_center, total, "Pay"))
        credits[(dept_value, cost_center)] = credits.get((dept_value, cost_center), Decimal("0.00")) + total
    for (dept_value, cost_center), total in sorted(credits.items()):
        lines.append(journal_line(options.clearing_account, options, dept_value, cost_center, -total, "Payroll clearing"))
    if not lines:
        raise InvalidRecord(f"pay run {pay_run_id(run['pay_group'], run['pay_date'])} has no amounts to post")
    sources[f"account:{options.clearing_account}"] = "option:pay_clearing_account"
    journal = {"transactionDate": f"{run['pay_date']}T00:00:00",
               "description": f"Dayforce pay run {run['pay_group']} {run['pay_date']}",
               "journalTransactionLines": lines, "sources": sources}
    if tree.nested:
        journal["allocations"] = {unit: used[unit] for unit in sorted(used, key=str)}
    return journal


def journal_line(account: str, options: JournalOptions, dept_value: str, cost_center: tuple, signed: Decimal,
                 what: str) -> dict:
    """A debit for a positive amount, a credit for a negative one (a retro line that claws pay back).
    `cost_center` is ((segment, value), …): one pair flattened, one per level nested."""
    side = "debitAmountInCurrency" if signed > 0 else "creditAmountInCurrency"
    label = "-".join(value for _, value in cost_center)
    return {"accountNumber": account, "transactionDescription": f"{what} {label}",
            "subaccount": [{"segmentId": options.department_segment, "segmentValue": dept_value}]
            + [{"segmentId": segment, "segmentValue": value} for segment, value in cost_center],
            side: float(abs(signed))}


def totals(journal: dict, department_segment: int = 1) -> Totals:
    """Debits, credits and the net debit per cost centre, in exact cents. A cost centre is what a line's
    subaccount says besides the department: one value flattened, the values of every level nested."""
    result = Totals()
    for line in journal.get("journalTransactionLines", []):
        debit = Decimal(str(line.get("debitAmountInCurrency") or 0)).quantize(CENT)
        credit = Decimal(str(line.get("creditAmountInCurrency") or 0)).quantize(CENT)
        result.debit += debit
        result.credit += credit
        center = "-".join(s["segmentValue"] for s in line.get("subaccount", []) if s["segmentId"] != department_segment)
        if line.get("transactionDescription", "").startswith("Pay "):
            result.by_cost_center[center] = result.by_cost_center.get(center, Decimal("0.00")) + debit - credit
    return result


def assert_balanced(journal: dict) -> Totals:
    found = totals(journal)
    if found.debit != found.credit:
        raise UnbalancedJournal(f"debits {found.debit} ≠ credits {found.credit}")
    return found


def reversal_of(posted: dict) -> dict:
    """The transaction that undoes `posted`: the same lines with debit and credit swapped."""
    lines = []
    for line in posted.get("journalTransactionLines", []):
        subaccount = [{"segmentId": s["segmentId"], "segmentValue": s["segmentValue"]}
                      for s in (line.get("subaccount") or {}).get("segments", [])] \
            if isinstance(line.get("subaccount"), dict) else line.get("subaccount")
        reversed_line = {"accountNumber": line["accountNumber"], "subaccount": subaccount,
                         "transactionDescription": f"Reversal: {line.get('transactionDescription') or ''}"[:60]}
        if line.get("debitAmountInCurrency"):
            reversed_line["creditAmountInCurrency"] = line["debitAmountInCurrency"]
        if line.get("creditAmountInCurrency"):
            reversed_line["debitAmountInCurrency"] = line["creditAmountInCurrency"]
        lines.append(reversed_line)
    return {"transactionDate": posted.get("transactionDate"),
            "description": f"Reversal of {posted.get('batchNumber')}: {posted.get('description') or ''}"[:60],
            "journalTransactionLines": lines}


@dataclass
class Accounting:
    """What Visma holds that a journal must agree with, read once per run (see the stream)."""

    periods: dict[str, dict | None]  # YYYYPP → FinancialPeriodDto, None when the company has no such period
    accounts: set[str]  # active GL account numbers
    segment_values: dict[int, set[str]]  # SUBACCOUNT segment → active value ids


def preflight(journal: dict, accounting: Accounting, period_id: str) -> None:
    """Raise PayRunHeld with the first reason this journal may not be posted; return when it may."""
    period = accounting.periods.get(period_id)
    if period is None:
        raise PayRunHeld(f"Visma has no financial period {period_id} for this pay date; create it in Visma "
                         "(General ledger > Financial periods), and the pay run is posted on the next run.")
    if period.get("closedInGeneralLedger") or period.get("active") is False:
        raise PayRunHeld(f"Visma's financial period {period_id} is closed in the general ledger; reopen it in Visma "
                         "(General ledger > Financial periods), and the pay run is posted on the next run.")
    sources = journal.get("sources", {})
    for line in journal["journalTransactionLines"]:
        account = line["accountNumber"]
        if account not in accounting.accounts:
            source = sources.get(f"account:{account}", "")
            raise PayRunHeld(f"GL account {account} (from {source or 'the mapping'}) does not exist in Visma or is "
                             "inactive; correct the mapping, and the pay run is posted on the next run.",
                             source if not source.startswith("option:") else "")
        for item in line["subaccount"]:
            segment, value = item["segmentId"], item["segmentValue"]
            if value not in accounting.segment_values.get(segment, set()):
                source = sources.get(f"segment{segment}:{value}", "")
                raise PayRunHeld(f"'{value}' is not an active value of Visma's SUBACCOUNT segment {segment} (from "
                                 f"{source or 'the mapping'}); correct the mapping, and the pay run is posted on the "
                                 "next run.", source)
    try:
        assert_balanced(journal)
    except UnbalancedJournal as error:
        raise PayRunHeld(f"The journal does not balance ({error}); it is never posted unbalanced.") from None
