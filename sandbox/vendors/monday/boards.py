"""Boards, their columns, groups and items, with the write semantics of docs/vendors/monday.md §3–§5.

Every operation raises monday's application errors (HTTP 200 with `errors[]`); the GraphQL layer in `api.py`
only maps fields onto these methods. Changes of a column value are handed to `on_change`, which the sandbox
turns into webhook deliveries.
"""
from __future__ import annotations

import copy
import itertools
import json
import re
import secrets
import threading
from datetime import datetime, timezone

from sandbox.vendors.monday import columns, items_query
from sandbox.vendors.monday.contract import ADMIN_USER_ID, UNCONFIRMED, BoardLocked, monday_error

COLUMN_ID = re.compile(r"^[a-z0-9_]{1,20}$")
TOP_GROUP = {"id": "topics", "title": "Group Title", "color": "#579bfc", "position": "65536", "archived": False,
             "deleted": False}


def board_not_found(board_id) -> Exception:
    return monday_error(f"Board {board_id} does not exist or you have no access to it", "InvalidBoardIdException",
                        200, board_id=str(board_id))


def item_not_found(item_id) -> Exception:
    return monday_error(f"Item {item_id} does not exist", "InvalidItemIdException", 200, item_id=str(item_id))


def column_not_found(column_id, board_id) -> Exception:
    return monday_error("This column ID doesn't exist for the board", "InvalidColumnIdException", 200,
                        column_id=str(column_id), board_id=str(board_id))


def decode_json(value, column_id=None):
    """`column_values`/`value` arrive JSON-encoded as a string (§4); a JSON literal object is taken too."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise monday_error("Invalid JSON in column values", "ColumnValueException", 200,
                           column_id=column_id) from None


class Boards:
    def __init__(self, clock, users: dict, on_change):
        self.clock = clock
        self.users = users
        self.on_change = on_change  # (board, item, column, previous raw, new raw, user id)
        self.boards: dict[str, dict] = {}
        self.items: dict[str, dict] = {}
        self.locked: set[str] = set()
        self.cursors = items_query.Cursors(clock)
        self._board_ids = itertools.count(1800000101)
        self._item_ids = itertools.count(2000000001)
        self._lock = threading.RLock()  # handlers run on one thread per request
        # monday's per-board item cap (§4); `MondaySandbox.items_limit_set` lowers it so a test reaches it fast.
        self.items_per_board = UNCONFIRMED["items_per_board"]

    def dump(self) -> dict:
        with self._lock:
            return {"boards": copy.deepcopy(self.boards), "items": copy.deepcopy(self.items)}

    def load(self, state: dict) -> None:
        with self._lock:
            self.boards, self.items = state["boards"], state["items"]
            self._board_ids = itertools.count(max(map(int, self.boards), default=1800000100) + 1)
            self._item_ids = itertools.count(max(map(int, self.items), default=2000000000) + 1)

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- boards and columns --------------------------------------------------------------------
    def add_board(self, name, description="", columns_spec=(), *, board_id=None, state="active",
                  board_kind="public", creator_id=ADMIN_USER_ID, workspace_id="4100001") -> dict:
        board_id = str(board_id or next(self._board_ids))
        board = {
            "id": board_id, "name": name, "description": description, "board_kind": board_kind, "state": state,
            "permissions": "everyone", "access_level": "edit", "type": "board",
            "workspace_id": str(workspace_id), "creator_id": creator_id, "subscriber_ids": [creator_id],
            "created_at": self.now_iso(), "updated_at": self.now_iso(),
            "url": f"https://northwind-demo.monday.com/boards/{board_id}", "items_limit":
                self.items_per_board, "groups": [{**TOP_GROUP, "board_id": board_id}], "columns": [],
        }
        self.boards[board_id] = board
        for column_id, title, column_type, settings in [("name", "Name", "name", {}), *columns_spec]:
            if column_id == "name" and board["columns"]:
                board["columns"][0]["title"] = title
                continue
            self._append_column(board, column_id, title, column_type, settings)
        return board

    def _append_column(self, board, column_id, title, column_type, settings, description=None, after=None):
        column = {"id": column_id, "title": title, "type": column_type, "description": description, "width": None,
                  "archived": False, "settings": settings, "revision": f"{board['id']}-{column_id}-1",
                  "capabilities": {}, "board_id": board["id"]}
        position = len(board["columns"])
        if after is not None:
            position = next((n + 1 for n, c in enumerate(board["columns"]) if c["id"] == after), position)
        board["columns"].insert(position, column)
        return column

    def board(self, board_id, *, for_write=False) -> dict:
        board = self.boards.get(str(board_id))
        if board is None or board["state"] == "deleted":
            raise board_not_found(board_id)
        if for_write and board["id"] in self.locked:
            raise BoardLocked(board["id"])
        return board

    def column(self, board, column_id) -> dict:
        column = next((c for c in board["columns"] if c["id"] == column_id and not c["archived"]), None)
        if column is None:
            raise column_not_found(column_id, board["id"])
        return column

    def create_column(self, board_id, title, column_type, column_id=None, description=None, defaults=None,
                      after_column_id=None) -> dict:
        with self._lock:
            board = self.board(board_id, for_write=True)
            if column_id is None:
                column_id = f"{column_type[:10]}_{secrets.token_hex(3)}"
            if not COLUMN_ID.match(column_id) or any(c["id"] == column_id for c in board["columns"]):
                raise monday_error(f"Column id {column_id} is taken or not lowercase letters, digits and "
                                   "underscores (1–20)", "InvalidColumnIdException", 200, column_id=column_id)
            defaults = decode_json(defaults) or {}
            settings = dict(defaults.get("settings") or defaults)
            if column_type == "status":
                settings["labels"] = {str(k): v for k, v in (settings.get("labels") or
                                                             {"0": "Working on it", "1": "Done", "2": "Stuck"}).items()}
            return self._append_column(board, column_id, title, column_type, settings, description, after_column_id)

    # --- items -----------------------------------------------------------------------------------
    def item(self, item_id, *, board_id=None, for_write=False) -> dict:
        item = self.items.get(str(item_id))
        if item is None or item["state"] == "deleted" or (board_id is not None and item["board_id"] != str(board_id)):
            raise item_not_found(item_id)
        if for_write and item["board_id"] in self.locked:
            raise BoardLocked(item["board_id"])
        return item

    def board_items(self, board) -> list[dict]:
        with self._lock:  # requests are served on threads: no iteration while another request inserts
            return [item for item in self.items.values()
                    if item["board_id"] == board["id"] and item["state"] != "deleted"]

    def create_item(self, board_id, item_name, *, group_id=None, column_values=None, create_labels=False,
                    user_id=ADMIN_USER_ID) -> dict:
        with self._lock:
            board = self.board(board_id, for_write=True)
            if sum(1 for i in self.board_items(board)) >= board["items_limit"]:
                raise monday_error(f"Maximum of {board['items_limit']} items per board reached",
                                   "ItemsLimitationException", 200, board_id=board["id"])
            group = next((g for g in board["groups"] if g["id"] == (group_id or board["groups"][0]["id"])), None)
            if group is None:
                raise monday_error(f"Group {group_id} not found", "InvalidGroupIdException", 200, group_id=group_id)
            values = self._parsed(board, decode_json(column_values) or {}, create_labels)
            name = values.pop("name", None) or item_name
            self._check_name(name)
            item = {"id": str(next(self._item_ids)), "name": name, "board_id": board["id"], "group_id": group["id"],
                    "state": "active", "created_at": self.now_iso(), "updated_at": self.now_iso(),
                    "creator_id": user_id, "values": {}, "changed_at": {}}
            self.items[item["id"]] = item
            for column_id, raw in values.items():
                item["values"][column_id] = raw
                item["changed_at"][column_id] = self.now_iso()
        self.on_change(board, item, None, None, None, user_id)  # create_pulse
        return item

    def change_values(self, board_id, item_id, column_values, *, create_labels=False, user_id=ADMIN_USER_ID) -> dict:
        with self._lock:
            board = self.board(board_id, for_write=True)
            item = self.item(item_id, board_id=board["id"], for_write=True)
            values = self._parsed(board, decode_json(column_values) or {}, create_labels)
            if "name" in values:
                name = values.pop("name")
                self._check_name(name)
                item["name"] = name
            changed = []
            for column_id, raw in values.items():
                previous = item["values"].get(column_id)
                if previous != raw:
                    item["values"][column_id] = raw
                    item["changed_at"][column_id] = self.now_iso()
                    changed.append((self.column(board, column_id), previous, raw))
            item["updated_at"] = self.now_iso()
        for column, previous, raw in changed:
            self.on_change(board, item, column, previous, raw, user_id)
        return item

    def set_state(self, item_id, state) -> dict:
        with self._lock:
            item = self.item(item_id, for_write=True)
            item["state"] = state
            item["updated_at"] = self.now_iso()
            return item

    def _parsed(self, board, given, create_labels) -> dict:
        if not isinstance(given, dict):
            raise monday_error("column_values must be a JSON object keyed by column id", "ColumnValueException", 200)
        parsed = {}
        for column_id, value in given.items():
            column = self.column(board, column_id)
            if column["type"] == "name":
                parsed["name"] = str(value)
                continue
            parsed[column_id] = columns.parse(column, value, create_labels=create_labels, users=self.users)
        return parsed

    @staticmethod
    def _check_name(name):
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise monday_error("Item name must be 1 to 255 characters", "ItemNameTooLongException", 200)

    # --- reading ---------------------------------------------------------------------------------
    def column_values(self, item, ids=None, types=None) -> list[dict]:
        board = self.boards[item["board_id"]]
        return [columns.read(column, item["values"].get(column["id"]), self.users, item_name=item["name"],
                             changed_at=item["changed_at"].get(column["id"]))
                for column in board["columns"]
                if not column["archived"] and (ids is None or column["id"] in ids)
                and (types is None or column["type"] in types)]

    def items_page(self, board, limit, cursor=None, query_params=None, group_id=None) -> dict:
        if cursor is not None:
            return self.next_items_page(cursor, limit)
        items_query.check_limit(limit)
        matching = items_query.select(self, board, self.board_items(board), query_params or {}, group_id)
        return self.cursors.first_page(board["id"], [item["id"] for item in matching], limit, self.items)

    def next_items_page(self, cursor, limit) -> dict:
        items_query.check_limit(limit)
        return self.cursors.next_page(cursor, limit, self.items)
