"""Visma.net documents and reference data → items on monday.com boards (the flow is described in __init__).

One stream per Visma resource: its board (role), its Visma keys, the item's name and the flow values of a record
(keys of columns.py). Reading, mapping to the board's columns and writing are BoardItems' (board_items.py).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from connections.vendors.visma.client import ACCOUNTS, CUSTOMER_INVOICES, PURCHASE_ORDERS, SUBACCOUNTS, SUPPLIER_INVOICES
from syncs.flows.base import Page
from syncs.flows.visma_monday.board_items import BoardItems
from syncs.flows.visma_monday.columns import aging_bucket
from syncs.flows.visma_monday.fields import amount, approval_of, day, party
from syncs.mapping import FieldRule


class SupplierInvoices(BoardItems):
    name = "supplier_invoices"
    resource = SUPPLIER_INVOICES.removeprefix("v1/")
    entity = "supplierinvoice"
    rules = [FieldRule("party", "supplier.name"), FieldRule("due_date", "dueDate"), FieldRule("currency", "currencyId"),
             FieldRule("visma_status", "status")]

    def document_id(self, record):
        return f"{record['documentType']}:{record['referenceNumber']}"

    def visma_key(self, record):
        return str(record["referenceNumber"])

    def item_name(self, record):
        return f"Supplier invoice {record['referenceNumber']} – {party(record, 'supplier').get('name') or ''}"

    def values(self, record):
        net, vat = amount(record, "detailTotalInCurrency"), amount(record, "vatTotalInCurrency")
        lines = record.get("invoiceLines") if isinstance(record.get("invoiceLines"), list) else []
        po = next((line.get("purchaseOrderNumber") or line.get("poNumber") for line in lines
                   if isinstance(line, dict) and (line.get("purchaseOrderNumber") or line.get("poNumber"))), None)
        return {"document": record.get("documentType"), "party": party(record, "supplier").get("name"),
                "po_number": po, "amount": None if net is None else round(net + (vat or 0.0), 2),
                "currency": record.get("currencyId"), "due_date": day(record, "dueDate"),
                "visma_status": record.get("status"), "approval": approval_of(record), "visma_link": self.link(record)}


class PurchaseOrders(BoardItems):
    name = "purchase_orders"
    role = "purchase_orders"
    resource = PURCHASE_ORDERS.removeprefix("v1/")
    entity = "purchaseorder"
    rules = [FieldRule("party", "supplier.name"), FieldRule("due_date", "promisedOn"), FieldRule("currency", "currency"),
             FieldRule("visma_status", "status")]

    def document_id(self, record):
        return f"{record['orderType']}:{record['orderNbr']}"

    def visma_key(self, record):
        return str(record["orderNbr"])

    def item_name(self, record):
        return f"Purchase order {record['orderNbr']} – {party(record, 'supplier').get('name') or ''}"

    def values(self, record):
        return {"document": "Purchase order", "party": party(record, "supplier").get("name"),
                "po_number": record.get("orderNbr"), "amount": amount(record, "orderTotal"),
                "currency": record.get("currency"), "due_date": day(record, "promisedOn"),
                "visma_status": record.get("status"), "approval": approval_of(record), "visma_link": self.link(record)}


class CustomerInvoices(BoardItems):
    name = "customer_invoices"
    role = "customer_invoices"
    resource = CUSTOMER_INVOICES.removeprefix("v1/")
    entity = "customerinvoice"
    rules = [FieldRule("party", "customer.name"), FieldRule("due_date", "documentDueDate"),
             FieldRule("currency", "currencyId"), FieldRule("visma_status", "status")]

    def document_id(self, record):
        return f"{record['documentType']}:{record['referenceNumber']}"

    def visma_key(self, record):
        return str(record["referenceNumber"])

    def item_name(self, record):
        return f"Customer invoice {record['referenceNumber']} – {party(record, 'customer').get('name') or ''}"

    def values(self, record):
        balance = amount(record, "balance")
        today = (self.ctx.started_at or datetime.now(timezone.utc)).date()
        return {"document": record.get("documentType"), "party": party(record, "customer").get("name"),
                "po_number": record.get("customerRefNumber"), "amount": amount(record, "amount"),
                "currency": record.get("currencyId"), "due_date": day(record, "documentDueDate"),
                "visma_status": record.get("status"),
                "aging": aging_bucket(day(record, "documentDueDate"), balance, today), "visma_link": self.link(record)}


class GLAccounts(BoardItems):
    """GL accounts as lookup values on the reference board."""

    name = "gl_accounts"
    role = "reference"
    resource = ACCOUNTS.removeprefix("v1/")
    entity = "account"

    def document_id(self, record):
        return str(record["accountCd"])

    def item_name(self, record):
        return f"{record['accountCd']} {record.get('description') or ''}"

    def values(self, record):
        return {"kind": f"GL account ({record.get('type') or 'account'})", "code": str(record["accountCd"]),
                "description": record.get("description"),
                "active": "Inactive" if record.get("active") is False else "Active"}


class Dimensions(BoardItems):
    """The segment values the company's subaccounts use (department, cost centre, …), one item each."""

    name = "dimensions"
    role = "reference"
    resource = SUBACCOUNTS.removeprefix("v1/")
    entity = "subaccount"
    tombstones_by_key = False  # a subaccount gone leaves segment values others may use: the listing decides

    def fetch(self, cursor):
        for page in super().fetch(cursor):
            yield Page(self.explode(page.records), page.cursor)

    def fetch_records(self, source_ids):
        return self.explode(super().fetch_records(source_ids))

    def listed_ids(self, rows):
        return super().listed_ids(self.explode(rows))

    @staticmethod
    def explode(subaccounts: list) -> list:
        rows: dict[str, Any] = {}
        for subaccount in subaccounts:
            segments = subaccount.get("segments") if isinstance(subaccount, dict) else None
            if not isinstance(segments, list):
                rows[repr(subaccount)[:200]] = subaccount  # kept whole: quarantined by its id
                continue
            for segment in segments:
                if isinstance(segment, dict):
                    row = {**segment, "lastModifiedDateTime": subaccount.get("lastModifiedDateTime")}
                    rows[f"{segment.get('segmentId')}:{segment.get('segmentValue')}"] = row
        return list(rows.values())

    def document_id(self, record):
        return f"SUBACCOUNT:{record['segmentId']}:{record['segmentValue']}"

    def item_name(self, record):
        return f"{record['segmentValue']} {record.get('segmentValueDescription') or ''}"

    def values(self, record):
        return {"kind": f"Dimension: {record.get('segmentDescription') or 'segment ' + str(record['segmentId'])}",
                "code": str(record["segmentValue"]), "description": record.get("segmentValueDescription"),
                "active": "Active"}
