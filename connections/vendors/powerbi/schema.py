"""The push dataset ml-connector declares for Visma data, and pure checks against it: a customer's existing
dataset compared with the declaration (schema drift), and rows checked before they are pushed.

Every table is a change log (docs/flows/visma-powerbi.md): one row per version of a Visma record, with
`Version` (Visma's lastModifiedDateTime as epoch milliseconds), `BatchId` (the pushed batch) and `Deleted`.
The measures count each record once, at its latest version, and each (record, version) once however many
times it was pushed, so a replayed batch or a resent POST never changes what a report sums.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Power BI's column types (docs/vendors/powerbi.md §4) and the Python values that fit them.
INT64, DOUBLE, BOOLEAN, DATETIME, STRING = "Int64", "Double", "Boolean", "DateTime", "String"
MAX_STRING_LENGTH = 4_000
INT64_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    required: bool = False  # ours, not Power BI's: a row without it is quarantined, not pushed
    format_string: str = ""

    def to_power_bi(self) -> dict:
        column = {"name": self.name, "dataType": self.data_type}
        if self.format_string:
            column["formatString"] = self.format_string
        return column


@dataclass(frozen=True)
class Table:
    name: str
    key: str  # the Visma record id column
    columns: tuple[Column, ...]
    measures: tuple[dict, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def to_power_bi(self) -> dict:
        table = {"name": self.name, "columns": [c.to_power_bi() for c in self.columns]}
        if self.measures:
            table["measures"] = [dict(m) for m in self.measures]
        return table


@dataclass(frozen=True)
class DatasetSchema:
    name: str
    tables: tuple[Table, ...]
    relationships: tuple[dict, ...] = field(default=())

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def to_power_bi(self) -> dict:
        return {"name": self.name, "tables": [t.to_power_bi() for t in self.tables],
                "relationships": [dict(r) for r in self.relationships]}


CHANGE_COLUMNS = (Column("Version", INT64, required=True), Column("BatchId", STRING, required=True),
                  Column("Deleted", BOOLEAN, required=True))
MONEY = "#,0.00"


def latest_sum(table: str, key: str, value: str, condition: str = "") -> str:
    """DAX: the sum of `value` over records at their latest version, each (record, version) counted once."""
    extra = f", {condition}" if condition else ""
    return (f"SUMX(SUMMARIZE({table}, {table}[{key}], \"Latest\", MAX({table}[Version])), "
            f"VAR k = {table}[{key}] VAR v = [Latest] RETURN CALCULATE(MAX({table}[{value}]), "
            f"{table}[{key}] = k, {table}[Version] = v, {table}[Deleted] = FALSE(){extra}))")


def invoice_table(name: str, party: str, open_measure: str, overdue_measure: str) -> Table:
    return Table(name, "InvoiceId", (
        Column("InvoiceId", STRING, required=True), Column(f"{party}Id", STRING, required=True),
        Column(f"{party}Name", STRING), Column("DocumentDate", DATETIME, required=True), Column("DueDate", DATETIME),
        Column("Currency", STRING), Column("Amount", DOUBLE, required=True, format_string=MONEY),
        Column("Balance", DOUBLE, required=True, format_string=MONEY), Column("Status", STRING), *CHANGE_COLUMNS,
    ), measures=(
        {"name": open_measure, "expression": latest_sum(name, "InvoiceId", "Balance"), "formatString": MONEY},
        {"name": overdue_measure, "expression": latest_sum(name, "InvoiceId", "Balance", f"{name}[DueDate] < TODAY()"),
         "formatString": MONEY},
    ))


VISMA_FINANCE = DatasetSchema("Visma Finance", (
    invoice_table("SupplierInvoices", "Supplier", "Open AP", "Overdue AP"),
    invoice_table("CustomerInvoices", "Customer", "Open AR", "Overdue AR"),
    Table("Payments", "PaymentId", (
        Column("PaymentId", STRING, required=True), Column("PaymentType", STRING, required=True),
        Column("PartyId", STRING), Column("PaymentDate", DATETIME, required=True), Column("Currency", STRING),
        Column("Amount", DOUBLE, required=True, format_string=MONEY), Column("Status", STRING), *CHANGE_COLUMNS,
    ), measures=({"name": "Paid", "expression": latest_sum("Payments", "PaymentId", "Amount"),
                  "formatString": MONEY},)),
    Table("GLAccounts", "AccountCd", (
        Column("AccountCd", STRING, required=True), Column("Description", STRING), Column("AccountType", STRING),
        Column("Active", BOOLEAN), *CHANGE_COLUMNS,
    )),
    Table("Dimensions", "DimensionKey", (
        Column("DimensionKey", STRING, required=True), Column("DimensionId", STRING, required=True),
        Column("SegmentId", INT64), Column("ValueId", STRING, required=True), Column("Description", STRING),
        *CHANGE_COLUMNS,
    )),
    Table("JournalLines", "LineKey", (
        Column("LineKey", STRING, required=True), Column("BatchNumber", STRING, required=True),
        Column("LineNumber", INT64, required=True), Column("TransactionDate", DATETIME, required=True),
        Column("Period", STRING), Column("AccountCd", STRING, required=True), Column("Subaccount", STRING),
        Column("Debit", DOUBLE, format_string=MONEY), Column("Credit", DOUBLE, format_string=MONEY),
        Column("Description", STRING), *CHANGE_COLUMNS,
    ), measures=({"name": "Ledger balance", "expression": f"{latest_sum('JournalLines', 'LineKey', 'Debit')} - "
                  f"{latest_sum('JournalLines', 'LineKey', 'Credit')}", "formatString": MONEY},)),
), relationships=(
    {"name": "JournalLineAccount", "fromTable": "JournalLines", "fromColumn": "AccountCd", "toTable": "GLAccounts",
     "toColumn": "AccountCd", "crossFilteringBehavior": "OneDirection"},
))
