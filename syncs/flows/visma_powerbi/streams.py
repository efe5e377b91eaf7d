"""Visma.net records → rows of the declared Power BI change-log tables (docs/flows/visma-powerbi.md).

Each stream reads one Visma resource by `lastModifiedDateTime` delta and appends one row per version of a
record. map() is pure: it returns the row without its BatchId, checked against the declared table, so a
row Power BI would refuse is quarantined with its reason instead of failing a POST of thousands.
"""
from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timezone

from connections.vendors.powerbi.client import LARGE_TABLE_ROWS
from connections.vendors.powerbi.schema import VISMA_FINANCE
from connections.vendors.powerbi.validation import row_problems
from connections.vendors.visma.client import (
    ACCOUNTS,
    CUSTOMER_INVOICES,
    EVERYTHING_SINCE,
    JOURNAL_TRANSACTIONS,
    PAYMENTS,
    SUBACCOUNTS,
    SUPPLIER_INVOICES,
)
from syncs.flows.base import Intent, Page, WriteMode
from syncs.flows.visma_powerbi.columns import column_rules, live_table, mapped_row, mapping_since
from syncs.flows.visma_powerbi.dataset import (
    DATASET_MAP,
    DATASET_MAP_TITLE,
    batch_rows,
    dataset_ensure,
    row_addresses,
    rows_pushed,
)
from syncs.flows.drift import ControlTotal, DriftInput, FieldDiff, Finding, Kind
from syncs.flows.visma_source import VismaDeltaStream
from syncs.mapping import InvalidRecord, content_hash

# Credit documents reduce what is owed: pushed with negative amounts so a SUM is the balance.
CREDIT_DOCUMENTS = {"CreditAdj", "CreditNote", "Credit Adj.", "Credit Memo"}


def version_of(record: dict) -> int:
    """Visma's lastModifiedDateTime (UTC, no offset: docs/vendors/visma.md §7) in epoch milliseconds."""
    stamp = datetime.fromisoformat(str(record["lastModifiedDateTime"]))
    return int(stamp.replace(tzinfo=stamp.tzinfo or timezone.utc).timestamp() * 1000)


def party(record: dict, name: str) -> dict:
    value = record.get(name)
    return value if isinstance(value, dict) else {}


class PowerBITableStream(VismaDeltaStream):
    """Writes its rows to one table of the dataset with the declared schema (found by name, else created)."""

    write_mode = WriteMode.APPEND
    batch_size = 10_000  # Power BI's maximum per POST rows (docs/vendors/powerbi.md §5)
    page_size = 1_000  # Visma's largest page
    table = ""
    # Reference data: one row per record, the table rebuilt after a change (current_state.py); otherwise a
    # change log, one row per version, summed at the latest version.
    current_state = False
    value_maps = {DATASET_MAP: DATASET_MAP_TITLE}  # the wizard's choice of dataset (dataset.py)

    dataset_id: str | None = None
    key_column = ""  # the row's record key (its source id): what DISTINCTCOUNT counts
    drift_reading = False

    def prepare(self) -> None:
        """Once a run, on the run's own thread, before any write thread needs it: from fetch, or from the first
        map() of a run that does not fetch (a release or replay of stored records)."""
        options = self.ctx.options
        if self.dataset_id is None:
            self.dataset_id = dataset_ensure(self.ctx)
        if "_table_rows" not in options:
            options["_table_rows"] = rows_pushed(self.ctx.integration)
        since = options.setdefault("_mapping_since", {})
        if self.name not in since:
            since[self.name] = mapping_since(self.ctx.integration, self.name)

    def fetch(self, cursor):
        if not self.drift_reading:  # a drift report reads Visma only: it never creates the dataset
            self.prepare()
        yield from super().fetch(cursor)

    def table_is_large(self) -> bool:
        """Whether a table of the dataset holds 250,000 rows or more, which lowers Power BI's quota to 120 POSTs
        an hour (docs/vendors/powerbi.md §5): from the lineage (rows confirmed before this run) plus this run's
        pushes. A lower bound when rows were resent; a table emptied by a rebuild holds fewer."""
        earlier = self.ctx.options.get("_table_rows") or {}
        now = self.ctx.options.get("_pushed", {})
        return any(earlier.get(t, 0) + sum(now.get(t, ())) >= LARGE_TABLE_ROWS for t in set(earlier) | set(now))

    # --- drift: push tables cannot be read back row by row, so the ledger says what Power BI holds, and
    # executeQueries counts what it really holds (rows, distinct records) as control totals.
    def drift_source(self):
        self.drift_reading = True
        yield from super().drift_source()

    def drift_compare(self, given: DriftInput) -> list[Finding]:
        findings = []
        for source_id, row in given.expected.items():
            written = given.written.get(source_id)
            if written is None:
                findings.append(Finding(Kind.MISSING, source_id, note="never pushed to Power BI"))
            elif written.content_hash != content_hash(row):
                pushed = written.payload or {}
                findings.append(Finding(Kind.DIFFERS, source_id, written.target_id, [
                    FieldDiff(name, value, pushed.get(name), pushed.get(name)) for name, value in row.items()
                    if pushed.get(name) != value] or [FieldDiff("Version", row.get("Version"), None)],
                    note="Power BI's latest row is an older version"))
        findings.extend(Finding(Kind.EXTRA, source_id, w.target_id, note="gone from Visma, still in Power BI")
                        for source_id, w in given.written.items()
                        if source_id not in given.expected and source_id not in given.unmappable)
        return findings

    def control_totals(self, given: DriftInput) -> list[ControlTotal]:
        dataset_id = self.ctx.options.get("dataset_id") or next(
            (d["id"] for d in self.destination.list_datasets()
             if d.get("name") == (self.ctx.options.get("dataset_name") or VISMA_FINANCE.name)), None)
        rows, records = self.destination.row_counts(dataset_id, self.table, self.key_column) if dataset_id else (0, 0)
        return [ControlTotal("rows pushed vs rows in Power BI", self.table, given.rows_written, rows),
                ControlTotal("records in Visma vs records in Power BI", self.table,
                             len(given.expected), records)]

    @abstractmethod
    def row(self, record: dict) -> dict:
        """The Power BI row of one Visma record (before Version, Deleted and BatchId are added)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rules = column_rules(self.table)  # what the wizard's field step shows (columns.py)

    def adjust(self, record: dict, column: str, value):
        """The stream's own rule for a value the customer mapped to `column`, after its type conversion."""
        return value

    def map(self, record, mappings):
        self.prepare()
        # Checked against the dataset's live table: the declared columns plus the customer's own.
        table = live_table(self.ctx, self.table)
        row = mapped_row(dict(self.row(record)), record, table, mappings, self.name,
                         lambda column, value: self.adjust(record, column, value))
        row.update(Version=max(version_of(record), self.ctx.options["_mapping_since"][self.name]), Deleted=False)
        problems = row_problems(table, {**row, "BatchId": "-"})
        if problems:
            raise InvalidRecord(f"Not pushed to Power BI {self.table}: {'; '.join(problems)}.")
        return row

    def write_intent(self, intent: Intent) -> str:  # a batch of one is named by its key
        intent.batch = intent.batch or intent.key[:32]
        return self.write_batch([intent])[0]

    def write_batch(self, intents: list[Intent]) -> list[str]:
        batch = intents[0].batch
        self.destination.post_rows(self.dataset_id, self.table, batch_rows(intents),
                                   table_is_large=self.table_is_large())
        # dict.setdefault and list.append are atomic: safe from the run's write threads.
        self.ctx.options.setdefault("_pushed", {}).setdefault(self.table, []).append(len(intents))
        return row_addresses(self.dataset_id, batch, len(intents))

    def notes(self):
        """After the table's last page, on the run's thread: a current-state table is rebuilt if a record
        changed (current_state.py); after the run's last table, the dependent imported model is refreshed."""
        from syncs.flows.visma_powerbi.current_state import rebuild_due, table_rebuild
        from syncs.flows.visma_powerbi.refresh import refresh_after_push

        pushed = self.ctx.options.get("_pushed", {})
        integration = self.ctx.integration
        if self.current_state and rebuild_due(integration=integration, table=self.table):
            table_rebuild(integration=integration, destination=self.destination, dataset_id=dataset_ensure(self.ctx),
                          table=self.table)
        wanted = integration.streams or []
        tables = [t for t in self.ctx.options.get("_tables", ()) if not wanted or t in wanted]
        if any(pushed.values()) and tables and tables[-1] == self.table:
            refresh_after_push(ctx=self.ctx)
        return []

    def reconcile(self, intent: Intent) -> str | None:
        # Push tables cannot be read back, and need not be: a resent batch repeats rows with the same
        # (record, Version), which the measures count once (docs/flows/visma-powerbi.md). So: send again.
        return None


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
