"""The board's columns and the value transforms per monday column type (pure: no DB, no HTTP).

A flow value is *semantic* (an amount, a date, a label, a link); `column_value` turns it into the JSON monday
wants for the board column it is mapped to, by that column's type (docs/vendors/monday.md §4), so a customer who
maps the amount to a text column gets "1250.00 NOK" and one who maps it to a numbers column gets "1250.00".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

KEY = "visma_key"
APPROVAL = "approval"
APPROVAL_LABELS = ("Pending", "Approved", "On hold", "Received")


@dataclass(frozen=True)
class Column:
    key: str  # the flow's name for the value; also the id we give a column we create
    title: str
    type: str  # monday column type
    labels: tuple[str, ...] = ()
    description: str = ""

    def defaults(self) -> dict | None:
        return {"labels": {str(n): label for n, label in enumerate(self.labels)}} if self.labels else None


KEY_COLUMN = Column(KEY, "Visma key", "text", description=(
    "The Visma document key, kept by ml-connector to find the item again (hide this column in the board's view; "
    "do not edit it)."))
DOCUMENT_COLUMNS = (
    KEY_COLUMN,
    Column("document", "Document", "text"),
    Column("party", "Supplier / customer", "text"),
    Column("po_number", "PO number", "text"),
    Column("amount", "Amount", "numbers"),
    Column("currency", "Currency", "text"),
    Column("due_date", "Due date", "date"),
    Column("visma_status", "Visma status", "text"),
    Column("aging", "AR aging", "text"),
    Column(APPROVAL, "Approval", "status", APPROVAL_LABELS),
    Column("visma_link", "Open in Visma", "link"),
)
REFERENCE_COLUMNS = (
    KEY_COLUMN,
    Column("kind", "Kind", "text"),
    Column("code", "Code", "text"),
    Column("description", "Description", "text"),
    Column("active", "Active", "status", ("Active", "Inactive")),
)


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str = ""


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class People:
    user_ids: tuple[int, ...]


def column_value(column_type: str, value: Any) -> Any:
    """The monday JSON for `value` in a column of `column_type`; None leaves the column unchanged."""
    if value is None:
        return None
    if column_type == "numbers":
        amount = value.amount if isinstance(value, Money) else value
        return f"{float(amount):.2f}"
    if column_type == "date":
        return {"date": date.fromisoformat(str(value)[:10]).isoformat()}
    if column_type == "status":
        return {"label": str(value)}
    if column_type == "link":
        link = value if isinstance(value, Link) else Link(str(value), str(value))
        return {"url": link.url, "text": link.text}
    if column_type == "people":
        ids = value.user_ids if isinstance(value, People) else tuple(value)
        return {"personsAndTeams": [{"id": int(i), "kind": "person"} for i in ids]}
    if column_type == "dropdown":
        return {"labels": [str(value)]}
    if column_type == "email":
        return {"email": str(value), "text": str(value)}
    # text, long_text and anything else that takes a string
    if isinstance(value, Money):
        return f"{value.amount:.2f} {value.currency}".strip()
    if isinstance(value, Link):
        return value.url
    if isinstance(value, People):
        return ", ".join(map(str, value.user_ids))
    return str(value)


def item_values(values: dict[str, Any], layout: dict[str, dict]) -> dict[str, Any]:
    """Column id → monday JSON for the flow's values, through the board layout ({key: {id, type, title}});
    values whose column is not mapped on this board are left out."""
    out = {}
    for key, value in values.items():
        column = layout.get(key)
        encoded = column_value(column["type"], value) if column else None
        if encoded is not None:
            out[column["id"]] = encoded
    return out


def aging_bucket(due: str | None, balance: Any, today: date) -> str:
    """AR aging as accountants bucket it: Paid, Current, 1–30, 31–60, 61–90, 90+ days past due."""
    if isinstance(balance, (int, float)) and not isinstance(balance, bool) and balance <= 0:
        return "Paid"
    if not due:
        return "Current"
    days = (today - date.fromisoformat(str(due)[:10])).days
    if days <= 0:
        return "Current"
    for limit, label in ((30, "1–30"), (60, "31–60"), (90, "61–90")):
        if days <= limit:
            return label
    return "90+"
