"""Financial periods of the demo company (FinancialPeriodDto, specs/visma swagger `/v1/financialPeriod`).

The spec gives the DTO and the two reads, nothing more: how a period id is spelled, and that a journal
transaction dated in a period closed in the general ledger is refused, are UNCONFIRMED (contract.py).
The company keeps monthly periods from January 2025 to December 2027, all open until a test closes one.
"""
from __future__ import annotations

import calendar

from sandbox.vendors.visma.contract import UNCONFIRMED
from sandbox.vendors.visma.store import Invalid, VismaData

YEARS = (2025, 2026, 2027)
LEDGERS = ("closedInSupplierLedger", "closedInCustomerLedger", "closedInInventoryManagement",
           "closedInGeneralLedger", "closedInCashManagement", "closedInFixedAssets")


def seed_periods(data: VismaData) -> None:
    data.reference["financial_periods"] = {
        f"{year}{month:02d}": {"active": True, **{ledger: False for ledger in LEDGERS}}
        for year in YEARS for month in range(1, 13)}


def period_dto(period_id: str, state: dict) -> dict:
    year, month = int(period_id[:4]), int(period_id[4:])
    last = calendar.monthrange(year, month)[1]
    return {"year": year, "period": period_id, "startDate": f"{year}-{month:02d}-01T00:00:00",
            "endDate": f"{year}-{month:02d}-{last:02d}T00:00:00",
            "description": f"{calendar.month_name[month]} {year}", **state}


def periods(data: VismaData) -> dict[str, dict]:
    return data.reference.get("financial_periods", {})


def period_set(data: VismaData, period_id: str, *, closed: bool) -> None:
    """Close (or reopen) a period in the general ledger; the sandbox's Python API, not Visma's."""
    with data.lock:
        periods(data)[period_id]["closedInGeneralLedger"] = closed


def postable(data: VismaData, period_id: str) -> None:
    """Refuse a journal transaction in a period that does not exist or is closed in the GL (UNCONFIRMED)."""
    state = periods(data).get(period_id)
    if state is None:
        raise Invalid(f"Financial period {period_id} does not exist.")
    if state["closedInGeneralLedger"] or not state["active"]:
        raise Invalid(UNCONFIRMED["closed_period_error"].format(period=period_id))
