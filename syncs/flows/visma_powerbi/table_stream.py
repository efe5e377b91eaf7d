"""The base of every Visma.net → Power BI table stream (streams.py holds the tables themselves).

A stream reads one Visma resource by `lastModifiedDateTime` delta and appends one row per version of a record
to one table of the push dataset. map() is pure: it returns the row without its BatchId, checked against the
declared table, so a row Power BI would refuse is quarantined with its reason instead of failing a POST of
thousands. The drift report's hooks are TableDrift's (drift.py).
"""
from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timezone

from connections.vendors.powerbi.client import LARGE_TABLE_ROWS
from connections.vendors.powerbi.validation import row_problems
from syncs.flows.base import Intent, WriteMode
from syncs.flows.visma_powerbi.columns import column_rules, live_table, mapped_row, mapping_since
from syncs.flows.visma_powerbi.dataset import (
    DATASET_MAP,
    DATASET_MAP_TITLE,
    batch_rows,
    dataset_ensure,
    row_addresses,
    rows_pushed,
)
from syncs.flows.visma_powerbi.drift import TableDrift
from syncs.flows.visma_source import VismaDeltaStream
from syncs.mapping import InvalidRecord


def version_of(record: dict) -> int:
    """Visma's lastModifiedDateTime (UTC, no offset: docs/vendors/visma.md §7) in epoch milliseconds."""
    stamp = datetime.fromisoformat(str(record["lastModifiedDateTime"]))
    return int(stamp.replace(tzinfo=stamp.tzinfo or timezone.utc).timestamp() * 1000)


class PowerBITableStream(TableDrift, VismaDeltaStream):
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
