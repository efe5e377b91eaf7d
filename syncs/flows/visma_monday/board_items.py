"""The base of every Visma.net → monday.com board stream (streams.py holds the streams themselves).

Each stream reads one Visma resource by `lastModifiedDateTime` delta (the backstop poll) or by the keys a Visma
webhook names, and upserts one item per record. map() is pure: it returns the item's name and column values,
already in monday's JSON for the board's column types; the item's key column holds `<resource>:<source id>`,
so an item is found again by that key whatever the id map says (reconcile).
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Any
from urllib.parse import quote

from connections.vendors.errors import VendorNotFound
from syncs.flows.base import Intent, Page, Trigger, WriteMode
from syncs.flows.visma_monday.board import ROLE, boards_ensure
from syncs.flows.visma_monday.columns import KEY, Link, item_values
from syncs.flows.visma_monday.deletes import (DELETED_EVENT, archive_once, archived_found, check_due, gone_page,
                                              held_ids_for_key, is_tombstone, tombstone)
from syncs.flows.visma_monday.drift import BoardDrift
from syncs.flows.visma_source import VismaDeltaStream
from syncs.mapping import InvalidRecord, MappingSet, get_path


class BoardItems(BoardDrift, VismaDeltaStream):
    """One Visma resource → one item per record on the board of `role`."""

    triggers = frozenset({Trigger.POLL, Trigger.WEBHOOK})
    write_mode = WriteMode.UPSERT
    page_size = 500
    role = "documents"
    resource = ""  # the Visma resource name the key column and links use ("supplierInvoice")
    entity = ""  # Visma's webhook entity ("supplierinvoice")
    # Whether the key a webhook names finds the document's id-map entries (deletes.py); not for dimensions,
    # whose items are segment values of many subaccounts.
    tombstones_by_key = True

    @property
    def webhook_events(self) -> frozenset[str]:
        return frozenset({f"{self.entity}.created", f"{self.entity}.changed", f"{self.entity}.deleted"})

    @property
    def path(self) -> str:
        return f"v1/{self.resource}"

    def fetch(self, cursor):
        boards_ensure(self.ctx)  # on the run's thread, before the first map
        check, last = check_due(self.ctx, cursor) and not self.drift_reading, None
        kept = {"gone_checked": cursor["gone_checked"]} if cursor.get("gone_checked") else {}
        for page in super().fetch(cursor):
            if last is not None:
                yield last
            last = Page(page.records, {**page.cursor, **kept})
        if last is not None:  # the walk's last page: now and then, what Visma no longer lists (deletes.py)
            yield gone_page(self, last) if check else last

    def notes(self) -> list[str]:
        # What a run's board setup did about the approval webhooks (board.py boards_ensure), said once.
        said, self.ctx.setup_notes = self.ctx.setup_notes, []
        return said

    drift_reading = False  # set while the drift report reads Visma: it lists documents, never archives any

    def drift_source(self):
        self.drift_reading = True
        try:
            yield from super().drift_source()
        finally:
            self.drift_reading = False

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        boards_ensure(self.ctx)
        found = []
        for key in source_ids:  # Visma's own key, as its webhook names it
            try:
                found.append(self.source.get(f"{self.path}/{quote(str(key), safe='')}")[0])
            except VendorNotFound:
                # Deleted in Visma: the items of what we hold under this key are archived.
                if self.tombstones_by_key:
                    found += [tombstone(source_id, DELETED_EVENT)
                              for source_id in held_ids_for_key(self.ctx, self.name, str(key))]
        return found

    def source_id(self, record: dict) -> str:
        return str(record["source_id"]) if is_tombstone(record) else self.document_id(record)

    @abstractmethod
    def document_id(self, record: dict) -> str:
        """The record's id in the id map (and after `<resource>:` in the key column)."""

    def listed_ids(self, rows: list) -> set[str]:
        """The id-map ids of a page of Visma's full listing (the check for deleted documents)."""
        ids = set()
        for row in rows:
            try:
                ids.add(self.document_id(row))
            except (KeyError, TypeError):
                continue  # a malformed row is quarantined by the poll; it cannot prove a document gone
        return ids

    # --- the item ---------------------------------------------------------------------------------
    def visma_key(self, record: dict) -> str:
        """The key of the record in Visma's URL (GET v1/<resource>/<key>)."""
        return self.source_id(record)

    @abstractmethod
    def item_name(self, record: dict) -> str:
        """The item's name on the board."""

    @abstractmethod
    def values(self, record: dict) -> dict[str, Any]:
        """The flow values of the record (keys of columns.py), before they are encoded for the board."""

    def link(self, record: dict) -> Link:
        template = self.ctx.options.get("visma_link") or "{base}/{resource}/{key}"
        base = str(getattr(self.source, "base_url", "")).rstrip("/")
        url = template.format(base=base, resource=self.path, key=quote(self.visma_key(record), safe=""))
        return Link(url, f"Open in Visma ({self.visma_key(record)})")

    def saved_board(self) -> dict | None:
        """This stream's saved layout, None before setup; a layout saved before boards were picked per resource
        serves all three document streams."""
        boards = self.ctx.options.get("boards") or {}
        same_as = ROLE[self.role].same_as
        return boards.get(self.role) or (boards.get(same_as) if same_as else None)

    def board(self) -> dict:
        return self.saved_board() or self.ctx.options["boards"][self.role]

    def map(self, record: dict, mappings: MappingSet) -> dict:
        board = self.board()
        key = f"{self.resource}:{self.source_id(record)}"
        if is_tombstone(record):  # the same content every time: a second notice is a skip (deletes.py)
            return {"board": board["id"], "archive": True, "values": {board["columns"][KEY]["id"]: key}}
        values = self.values(record)
        # The wizard's field rules: a flow column fed from another Visma field, or any board column (by id) fed
        # from a Visma field; the flow's own rules stand for the values computed above (typed, derived).
        own = {rule.target: rule.source for rule in self.rules}
        for rule in mappings.rules_for(self.name, self.rules):
            if own.get(rule.target) != rule.source:
                found = get_path(record, rule.source, None) if rule.source else None
                values[rule.target] = rule.default if found is None else found
        layout = {**board.get("board_columns", {}), **board["columns"]}
        values = item_values({**values, KEY: key}, layout)
        name = self.item_name(record).strip()[:255]
        if not name:
            raise InvalidRecord("the record has nothing to name its item by")
        return {"board": board["id"], "name": name, "values": values}

    def natural_key(self, mapped: dict) -> str | None:
        return mapped["values"][self.board()["columns"][KEY]["id"]]

    # --- writing ------------------------------------------------------------------------------------
    def items_with_key(self, mapped: dict) -> list[str]:
        key_column = self.board()["columns"][KEY]["id"]
        return [str(item["id"]) for item in
                self.destination.items_by_column(mapped["board"], key_column, [self.natural_key(mapped)])]

    def reconcile(self, intent: Intent) -> str | None:
        """An earlier create is found by the key column: a crash after monday made the item never duplicates it."""
        if intent.mapped.get("archive"):
            return archived_found(self, intent)
        return next(iter(self.items_with_key(intent.mapped)), None)

    def write_intent(self, intent: Intent) -> str:
        mapped = intent.mapped
        if mapped.get("archive"):
            return archive_once(self, intent)
        if intent.target_id:
            try:
                self.destination.item_update(mapped["board"], intent.target_id, {**mapped["values"],
                                                                                 "name": mapped["name"]})
                return intent.target_id
            except VendorNotFound:
                # Deleted on the board by someone: an item with our key may still be there (a copy); else a new one.
                found = self.reconcile(intent)
                if found:
                    self.destination.item_update(mapped["board"], found, {**mapped["values"], "name": mapped["name"]})
                    return found
        return str(self.destination.item_create(mapped["board"], name=mapped["name"], values=mapped["values"])["id"])
