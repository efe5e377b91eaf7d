"""What the monday.com client reads and writes: boards and their columns, items (paged, by key column, by id;
created, updated one by one or in aliased batches, archived, deleted) and board webhooks (docs/vendors/monday.md
§3–§7). Each is one document of `documents.py` sent through `MondayGraphQL.graphql`; mutations of one board are
sent one at a time (`pacing.board_serialised`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from connections.vendors.errors import VendorError, VendorNotFound
from connections.vendors.monday import documents
from connections.vendors.monday.pacing import board_serialised

PAGE_LIMIT = 100  # items per page; monday allows up to 500 (§5), 100 keeps one page's cost modest


@dataclass
class ItemChange:
    """The outcome of one change of a batch: the item, and the error monday gave for it, if any."""
    item_id: str
    error: VendorError | None = None


def encoded(values: dict) -> str:
    # `column_values` is a JSON scalar that monday wants as a JSON-encoded string keyed by column id (§4).
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


class MondayResources:
    """Mixed into `MondayClient`: uses its `graphql`, `cache_key`, `vendor_label` and `hints`."""

    # --- boards and columns ---------------------------------------------------------------------
    def boards_with_columns(self, ids: list[str] | None = None, *, limit: int = 25, page: int = 1) -> list[dict]:
        """Boards (page-numbered, docs/vendors/monday.md §3) with their columns and groups."""
        variables: dict[str, Any] = {"limit": limit, "page": page}
        if ids:
            variables["ids"] = [str(board_id) for board_id in ids]
        return self.graphql(documents.BOARDS, variables).get("boards") or []

    def boards_all(self, *, page_size: int = 100) -> list[dict]:
        """Every active board the token's user can see, `{id, name, board_kind, workspace {id, name}}`, page by
        page until a short page (archived and deleted boards are not asked for: `state: active`)."""
        found, page = [], 1
        while True:
            boards = self.graphql(documents.BOARD_CHOICES, {"limit": page_size, "page": page}).get("boards") or []
            found += boards
            if len(boards) < page_size:
                return found
            page += 1

    def board_get(self, board_id: str) -> dict | None:
        found = self.boards_with_columns([board_id], limit=1)
        return found[0] if found else None

    def board_create(self, *, name: str, columns: list[dict] = (), kind: str = "public",
                     description: str | None = None) -> dict:
        """A board with the given columns (`{"id", "title", "type", "defaults"}`), created one after another."""
        board = self.graphql(documents.BOARD_CREATE, {"name": name, "kind": kind, "description": description})[
            "create_board"]
        for column in columns:
            board["columns"].append(self.column_create(board["id"], title=column["title"], column_type=column["type"],
                                                       column_id=column.get("id"), defaults=column.get("defaults")))
        return board

    def column_create(self, board_id: str, *, title: str, column_type: str, column_id: str | None = None,
                      defaults: dict | None = None, description: str | None = None) -> dict:
        variables = {"board": str(board_id), "title": title, "type": column_type, "id": column_id,
                     "description": description, "defaults": encoded(defaults) if defaults else None}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.COLUMN_CREATE, variables)["create_column"]

    # --- items: reading ----------------------------------------------------------------------------
    def items_pages(self, board_id: str, *, query: dict | None = None, limit: int = PAGE_LIMIT) -> Iterator[list[dict]]:
        """The board's items page by page (`items_page`, then `next_items_page` until the cursor is null, §5)."""
        data = self.graphql(documents.ITEMS_PAGE, {"board": str(board_id), "limit": limit, "query": query})
        boards = data.get("boards") or []
        if not boards:
            # monday answers an unknown board id in `boards(ids:)` with an empty list, not an error.
            raise VendorNotFound(f"monday.com has no board {board_id} that this token's user can see. "
                                 f"{self.hints[404]}", vendor=self.vendor_label, status=404, hint=self.hints[404])
        page = boards[0]["items_page"]
        while True:
            yield page["items"]
            if not page.get("cursor"):
                return
            page = self.graphql(documents.NEXT_ITEMS_PAGE, {"cursor": page["cursor"], "limit": limit})[
                "next_items_page"]

    def items_by_column(self, board_id: str, column_id: str, values: list[str]) -> list[dict]:
        """Items whose `column_id` holds one of `values`: the lookup by a key column (reconciliation)."""
        query = {"rules": [{"column_id": column_id, "compare_value": [str(v) for v in values], "operator": "any_of"}]}
        return [item for page in self.items_pages(board_id, query=query) for item in page]

    def items_get(self, ids: list[str]) -> list[dict]:
        """Items by id (what a webhook names), gone ones left out."""
        found: list[dict] = []
        for start in range(0, len(ids), PAGE_LIMIT):
            chunk = [str(i) for i in ids[start:start + PAGE_LIMIT]]
            found += self.graphql(documents.ITEMS, {"ids": chunk, "limit": len(chunk)}).get("items") or []
        return found

    # --- items: writing (one board at a time) --------------------------------------------------------
    def item_create(self, board_id: str, *, name: str, values: dict, group_id: str | None = None,
                    create_labels: bool = False) -> dict:
        variables = {"board": str(board_id), "name": name, "group": group_id, "values": encoded(values),
                     "createLabels": create_labels}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_CREATE, variables)["create_item"]

    def item_update(self, board_id: str, item_id: str, values: dict, *, create_labels: bool = False) -> dict:
        variables = {"board": str(board_id), "item": str(item_id), "values": encoded(values),
                     "createLabels": create_labels}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_UPDATE, variables)["change_multiple_column_values"]

    def items_update(self, board_id: str, changes: list[tuple[str, dict]]) -> list[ItemChange]:
        """Several items' changes in as few requests as possible (aliases, `documents.MAX_BATCH` per request).

        A change monday refuses (a bad value, a gone item) fails alone: its error is in its `ItemChange`.
        """
        outcomes: list[ItemChange] = []
        for start in range(0, len(changes), documents.MAX_BATCH):
            chunk = changes[start:start + documents.MAX_BATCH]
            variables: dict[str, Any] = {"board": str(board_id)}
            for n, (item_id, values) in enumerate(chunk):
                variables[f"item{n}"], variables[f"values{n}"] = str(item_id), encoded(values)
            with board_serialised(self.cache_key, board_id):
                data = self.graphql(documents.items_update_batch(len(chunk)), variables, partial=True)
            outcomes += [ItemChange(str(item_id), data["_errors"].get(f"u{n}")) for n, (item_id, _) in enumerate(chunk)]
        return outcomes

    def item_archive(self, board_id: str, item_id: str) -> dict:
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_ARCHIVE, {"item": str(item_id)})["archive_item"]

    def item_delete(self, board_id: str, item_id: str) -> dict:
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_DELETE, {"item": str(item_id)})["delete_item"]

    # --- webhooks (docs/vendors/monday.md §7) ---------------------------------------------------------
    def webhook_create(self, board_id: str, *, url: str, event: str, config: dict | None = None) -> dict:
        """monday verifies the URL with a challenge before it answers: the intake must be reachable."""
        variables = {"board": str(board_id), "url": url, "event": event,
                     "config": encoded(config) if config else None}
        return self.graphql(documents.WEBHOOK_CREATE, variables)["create_webhook"]

    def webhook_delete(self, webhook_id: str) -> dict:
        return self.graphql(documents.WEBHOOK_DELETE, {"id": str(webhook_id)})["delete_webhook"]

    def webhooks(self, board_id: str) -> list[dict]:
        return self.graphql(documents.WEBHOOKS, {"board": str(board_id)}).get("webhooks") or []
