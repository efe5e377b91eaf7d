"""Visma fields → Power BI columns as the setup wizard shows and edits them, with type conversions.

Each stream's default row is written in code (streams.py `row()`: composite ids, credit signs, sums); its
`rules` say, per declared column, which Visma field it comes from, so the wizard's field step lists them.
A customer's choice (a FieldMapping: column ← Visma field) replaces the default of that column, converted to
the column's Power BI type (connections/vendors/powerbi/conversions.py). A column may also be one of the
customer's own dataset (not declared): it is found in the dataset's live tables, read once a run. A row is
then checked against the declared table plus those columns before it joins a batch (row_problems).
"""
from __future__ import annotations

import hashlib
import json
import time

from connections.vendors.errors import VendorError
from connections.vendors.powerbi.conversions import ConversionError, convert
from connections.vendors.powerbi.schema import VISMA_FINANCE, Column, Table
from syncs.flows.base import FlowContext, MappingChoices, ValueMapChoices
from syncs.mapping import MISSING, FieldRule, InvalidRecord, MappingSet, field_paths, get_path
from syncs.models import Cursor, FieldMapping

# Declared column → the Visma field its default comes from (dotted path in the Visma record).
SOURCES = {
    "SupplierInvoices": {"InvoiceId": "referenceNumber", "SupplierId": "supplier.number",
                         "SupplierName": "supplier.name", "DocumentDate": "date", "DueDate": "dueDate",
                         "Currency": "currencyId", "Amount": "detailTotalInCurrency", "Balance": "balance",
                         "Status": "status"},
    "CustomerInvoices": {"InvoiceId": "referenceNumber", "CustomerId": "customer.number",
                         "CustomerName": "customer.name", "DocumentDate": "documentDate",
                         "DueDate": "documentDueDate", "Currency": "currencyId", "Amount": "amount",
                         "Balance": "balance", "Status": "status"},
    "Payments": {"PaymentId": "refNbr", "PaymentType": "type", "PartyId": "customer.number",
                 "PaymentDate": "applicationDate", "Currency": "currency", "Amount": "paymentAmount",
                 "Status": "status"},
    "GLAccounts": {"AccountCd": "accountCd", "Description": "description", "AccountType": "type",
                   "Active": "active"},
    "Dimensions": {"DimensionKey": "segmentValue", "DimensionId": "segmentDescription", "SegmentId": "segmentId",
                   "ValueId": "segmentValue", "Description": "segmentValueDescription"},
    "JournalLines": {"LineKey": "lineNumber", "BatchNumber": "batchNumber", "LineNumber": "lineNumber",
                     "TransactionDate": "transactionDate", "Period": "postPeriod", "AccountCd": "accountNumber",
                     "Subaccount": "subaccount.subaccountNumber", "Debit": "debitAmount", "Credit": "creditAmount",
                     "Description": "description"},
}
# Ours, never a Visma field's: a mapping may not replace them (the sums depend on them).
RESERVED = {"Version", "BatchId", "Deleted"}


def mapping_since(integration, stream: str) -> int:
    """Since when (epoch ms) the stream's field mapping is what it is now; 0 for the mapping of the first run.

    A mapping edit changes a record's row while Visma's lastModifiedDateTime stays: re-read (the delta's
    overlap, a replay, a reset cursor) the record gets a row with new values under its old Version, and the
    measures' MAX over one (record, version) would mix the two. So a record's Version is at least this moment
    (streams.map): the new row is the newer. Kept in the stream's own cursor row `<stream>#mapping`.
    """
    rows = sorted(FieldMapping.objects.filter(integration=integration, stream=stream)
                  .values_list("target_field", "source_field", "value_map", "default"))
    fingerprint = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    marker, created = Cursor.objects.get_or_create(integration=integration, stream=f"{stream}#mapping",
                                                   defaults={"value": {"fingerprint": fingerprint, "since": 0}})
    if not created and (marker.value or {}).get("fingerprint") != fingerprint:
        marker.value = {"fingerprint": fingerprint, "since": int(time.time() * 1000)}
        marker.save(update_fields=["value", "updated_at"])
    return int(marker.value["since"])


def column_rules(table: str) -> list[FieldRule]:
    return [FieldRule(column, source) for column, source in SOURCES[table].items()]


def live_table(ctx: FlowContext, table: str) -> Table:
    """The declared table plus the customer's own columns of the dataset (read by dataset_ensure)."""
    declared = VISMA_FINANCE.table(table)
    extra = (ctx.options.get("_columns") or {}).get(table, {})
    own = tuple(Column(name, data_type) for name, data_type in extra.items() if declared.column(name) is None)
    return Table(declared.name, declared.key, declared.columns + own, declared.measures)


def mapped_row(row: dict, record: dict, table: Table, mappings: MappingSet, stream: str, adjust) -> dict:
    """`row` with the customer's column choices applied; `adjust(column, value)` is the stream's own rule for
    a converted value (credit documents negative)."""
    for rule in mappings.overrides.get(stream, {}).values():
        if rule.target in RESERVED:
            raise InvalidRecord(f"{table.name}[{rule.target}] is the connector's own column; remove its field "
                                "mapping in the setup wizard.")
        column = table.column(rule.target)
        if column is None:
            raise InvalidRecord(f"{rule.target} is mapped, but the Power BI table {table.name} has no such column; "
                                "add it to the dataset or change the mapping.")
        value = get_path(record, rule.source, None) if rule.source else None
        if value in (None, "", MISSING) and rule.default not in (None, ""):
            value = rule.default
        try:
            row[column.name] = adjust(column.name, convert(value, column.data_type))
        except ConversionError as error:
            raise InvalidRecord(f"{table.name}[{column.name}] ← {rule.source or 'default'}: {error}.") from None
    return row


def mapping_choices(ctx: FlowContext) -> MappingChoices:
    """For the wizard: the fields of one real Visma record per table, and the Power BI columns with their types
    (the customer's dataset if it exists, else the declared schema)."""
    from syncs.flows.visma_powerbi import STREAMS
    from syncs.flows.visma_powerbi.dataset import (CREATE_OURS, DATASET_KEY, DATASET_MAP, DATASET_MAP_TITLE,
                                                   dataset_find)

    columns = {t.name: {c.name: c.data_type for c in t.columns} for t in VISMA_FINANCE.tables}
    datasets = [(CREATE_OURS, f"Create “{ctx.options.get('dataset_name') or VISMA_FINANCE.name}” from the "
                              "connector's schema (or use it if it exists)")]
    try:
        datasets += [(d["id"], f"{d.get('name')} (existing push dataset {d['id']})")
                     for d in ctx.destination.list_datasets() if d.get("addRowsAPIEnabled")]
        dataset_id = dataset_find(ctx)
        if dataset_id:
            columns.update({t["name"]: {c["name"]: c.get("dataType", "") for c in t.get("columns", [])}
                            for t in ctx.destination.list_tables(dataset_id)})
    except VendorError:
        pass  # Power BI unreachable: the declared columns are offered
    sources, targets = {}, {}
    for stream_class in STREAMS:
        stream = stream_class(ctx)
        first = next(iter(ctx.source.iter_pages(stream.path, stream.extra_params, 1)), [])
        records = [r for record in first for r in stream.explode(record)] if hasattr(stream, "explode") else first
        sources[stream.name] = field_paths(records[0]) if records else list(SOURCES[stream.table].values())
        offered = columns.get(stream.table, {})
        targets[stream.name] = [(name, f"{name} ({data_type})") for name, data_type in offered.items()
                                if name not in RESERVED]
    which = ValueMapChoices(DATASET_MAP, DATASET_MAP_TITLE, [(DATASET_KEY, "This integration's dataset")], datasets)
    return MappingChoices(value_maps=[which], source_fields=sources, target_fields=targets)
