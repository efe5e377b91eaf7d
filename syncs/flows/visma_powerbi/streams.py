"""Visma.net records → rows of the declared Power BI change-log tables (docs/flows/visma-powerbi.md).

One stream per table: which Visma resource it reads, the record's key, and the row one record becomes
(`row()`: composite ids, credit documents negative, sums). What every table stream does alike (the dataset, the
pushes, the quota, map()'s checks) is PowerBITableStream's (table_stream.py).
"""
from __future__ import annotations

from abc import abstractmethod

from connections.vendors.visma.client import (
    ACCOUNTS,
    CUSTOMER_INVOICES,
    EVERYTHING_SINCE,
    JOURNAL_TRANSACTIONS,
    PAYMENTS,
    SUBACCOUNTS,
    SUPPLIER_INVOICES,
)
from syncs.flows.base import Page
from syncs.flows.visma_powerbi.table_stream import PowerBITableStream

# Credit documents reduce what is owed: pushed with negative amounts so a SUM is the balance.
CREDIT_DOCUMENTS = {"CreditAdj", "CreditNote", "Credit Adj.", "Credit Memo"}


def party(record: dict, name: str) -> dict:
    value = record.get(name)
    return value if isinstance(value, dict) else {}


class Invoices(PowerBITableStream):
    party_field = ""

    def source_id(self, record):
        return f"{record['documentType']}:{record['referenceNumber']}"

    def signed(self, record: dict, value):
        """Credit documents negative; anything not a number is left as is for row_problems to name."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        return -float(value) if record.get("documentType") in CREDIT_DOCUMENTS else float(value)

    def adjust(self, record, column, value):
        return self.signed(record, value) if column in ("Amount", "Balance") else value


class SupplierInvoices(Invoices):
    name = table = "SupplierInvoices"
    key_column = "InvoiceId"
    path = SUPPLIER_INVOICES

    def row(self, record):
        supplier = party(record, "supplier")
        parts = [record.get("detailTotalInCurrency") or 0, record.get("vatTotalInCurrency") or 0]
        total = sum(parts) if all(isinstance(p, (int, float)) for p in parts) else parts[0]
        return {"InvoiceId": self.source_id(record), "SupplierId": supplier.get("number"),
                "SupplierName": supplier.get("name"), "DocumentDate": record.get("date"),
                "DueDate": record.get("dueDate"), "Currency": record.get("currencyId"),
                "Amount": self.signed(record, total), "Balance": self.signed(record, record.get("balance")),
                "Status": record.get("status")}


class CustomerInvoices(Invoices):
    name = table = "CustomerInvoices"
    key_column = "InvoiceId"
    path = CUSTOMER_INVOICES

    def row(self, record):
        customer = party(record, "customer")
        return {"InvoiceId": self.source_id(record), "CustomerId": customer.get("number"),
                "CustomerName": customer.get("name"), "DocumentDate": record.get("documentDate"),
                "DueDate": record.get("documentDueDate"), "Currency": record.get("currencyId"),
                "Amount": self.signed(record, record.get("amount")),
                "Balance": self.signed(record, record.get("balance")), "Status": record.get("status")}


class Payments(PowerBITableStream):
    name = table = "Payments"
    key_column = "PaymentId"
    path = PAYMENTS

    def source_id(self, record):
        return f"{record['type']}:{record['refNbr']}"

    def row(self, record):
        payer = party(record, "customer") or party(record, "supplier")
        return {"PaymentId": self.source_id(record), "PaymentType": record.get("type"),
                "PartyId": payer.get("number"), "PaymentDate": record.get("applicationDate"),
                "Currency": record.get("currency"), "Amount": record.get("paymentAmount"),
                "Status": record.get("status")}


class GLAccounts(PowerBITableStream):
    name = table = "GLAccounts"
    current_state = True
    key_column = "AccountCd"
    path = ACCOUNTS

    def source_id(self, record):
        return str(record["accountCd"])

    def row(self, record):
        return {"AccountCd": self.source_id(record), "Description": record.get("description"),
                "AccountType": record.get("type"), "Active": record.get("active")}


class ExplodedStream(PowerBITableStream):
    """One Visma record becomes several rows (a journal transaction's lines, a subaccount's segments); each
    row is a record of its own for the engine, carrying its parent's lastModifiedDateTime."""

    @abstractmethod
    def explode(self, record: dict) -> list[dict]:
        """The rows one Visma record becomes."""

    def fetch(self, cursor):
        for page in super().fetch(cursor):
            rows: dict[str, dict] = {}
            for record in page.records:
                for row in self.explode(record):
                    key = self.source_id(row)
                    # A value shared by several parents in one page is one record: the newest wins.
                    if key not in rows or str(row["lastModifiedDateTime"]) > str(rows[key]["lastModifiedDateTime"]):
                        rows[key] = row
            yield Page(list(rows.values()), page.cursor)


class JournalLines(ExplodedStream):
    name = table = "JournalLines"
    key_column = "LineKey"
    path = JOURNAL_TRANSACTIONS
    # v2 needs lastModifiedDateTime or periodId; it means "since" and ignores a Condition (docs/vendors/visma.md).
    extra_params = {"lastModifiedDateTime": EVERYTHING_SINCE}

    def explode(self, record):
        return [{**line, "batchNumber": record.get("batchNumber"), "transactionDate": record.get("transactionDate"),
                 "postPeriod": record.get("postPeriod"), "lastModifiedDateTime": record.get("lastModifiedDateTime")}
                for line in record.get("journalTransactionLines") or [] if isinstance(line, dict)]

    def source_id(self, record):
        return f"{record['batchNumber']}:{record['lineNumber']}"

    def row(self, record):
        subaccount = party(record, "subaccount")
        return {"LineKey": self.source_id(record), "BatchNumber": record.get("batchNumber"),
                "LineNumber": record.get("lineNumber"), "TransactionDate": record.get("transactionDate"),
                "Period": record.get("postPeriod"), "AccountCd": record.get("accountNumber"),
                "Subaccount": subaccount.get("subaccountNumber"), "Debit": record.get("debitAmount"),
                "Credit": record.get("creditAmount"), "Description": record.get("description")}


class Dimensions(ExplodedStream):
    """The segment values the company's subaccounts use (department, cost centre, …)."""

    name = table = "Dimensions"
    current_state = True
    key_column = "DimensionKey"
    path = SUBACCOUNTS

    def explode(self, record):
        return [{**segment, "lastModifiedDateTime": record.get("lastModifiedDateTime")}
                for segment in record.get("segments") or [] if isinstance(segment, dict)]

    def source_id(self, record):
        return f"SUBACCOUNT:{record['segmentId']}:{record['segmentValue']}"

    def row(self, record):
        return {"DimensionKey": self.source_id(record), "DimensionId": record.get("segmentDescription") or "SUBACCOUNT",
                "SegmentId": record.get("segmentId"), "ValueId": record.get("segmentValue"),
                "Description": record.get("segmentValueDescription")}
