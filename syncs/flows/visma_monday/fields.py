"""Reading the fields of a Visma document for its board item (pure): parties, amounts and dates refused with the
field and value when they are not what they claim (the record is quarantined), and the approval label Visma's
state implies."""
from __future__ import annotations

from datetime import date

from syncs.mapping import InvalidRecord


def party(record: dict, name: str) -> dict:
    value = record.get(name)
    return value if isinstance(value, dict) else {}


def amount(record: dict, name: str) -> float | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRecord(f"{name} is {value!r}, not a number")
    return float(value)


def day(record: dict, name: str) -> str | None:
    value = record.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise InvalidRecord(f"{name} is {value!r}, not a date") from None


def approval_of(record: dict) -> str:
    """The board's approval label for a Visma AP document (what the warehouse and approvers change)."""
    if record.get("hold") is True:
        return "On hold"
    if record.get("purchaseReceipts"):
        return "Received"
    approval = str(record.get("approvalStatus") or "")
    if approval and not approval.startswith("Approved") and approval != "NotRequired":
        return "Pending"
    return "Approved"
