"""The drift report of Visma.net → Power BI tables (the hooks of syncs/flows/base.py).

Push tables cannot be read back row by row, so the ledger says what Power BI holds, and executeQueries counts
what it really holds (rows, distinct records) as control totals:

* **missing**: a Visma record never pushed to Power BI;
* **differs**: the latest row pushed for a record is an older version than Visma's;
* **extra**: a record pushed before and gone from Visma, still in Power BI.

A report reads Visma only: it never creates the dataset (PowerBITableStream.fetch asks `drift_reading`).
"""
from __future__ import annotations

from connections.vendors.powerbi.schema import VISMA_FINANCE
from syncs.flows.drift import ControlTotal, DriftInput, FieldDiff, Finding, Kind
from syncs.mapping import content_hash


class TableDrift:
    """Mixed into PowerBITableStream (table_stream.py): one table's records in Visma against its pushed rows."""

    drift_reading = False

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
