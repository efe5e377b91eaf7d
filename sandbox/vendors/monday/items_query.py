"""`items_page` / `next_items_page`: `query_params` rules and cursors (docs/vendors/monday.md §5).

Rules compare against a column's text (and a status column's index too), so a lookup by a key column is
`rules: [{column_id: "visma_key", compare_value: ["SI-1001"]}]` with the default operator `any_of`. A cursor
holds the ids that matched the first call, lives 60 minutes (UNCONFIRMED) and is null after the last page.
"""
from __future__ import annotations

import secrets
import threading

from sandbox.vendors.monday import columns
from sandbox.vendors.monday.contract import UNCONFIRMED, monday_error

MAX_IDS = 100  # ItemsQuery.ids (SDL)


def check_limit(limit) -> None:
    if not isinstance(limit, int) or not 1 <= limit <= UNCONFIRMED["items_page_max_limit"]:
        raise monday_error(f"limit must be between 1 and {UNCONFIRMED['items_page_max_limit']}",
                           UNCONFIRMED["items_page_limit_code"], 200, limit=limit)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _matches(store, board, item, rule) -> bool:
    column_id = rule["column_id"]
    column = store.column(board, column_id)
    raw = None if column["type"] == "name" else item["values"].get(column_id)
    text = item["name"] if column["type"] == "name" else columns.text_of(column, raw, store.users)
    candidates = {text}
    if column["type"] == "status" and raw is not None:
        candidates.add(str(raw["index"]))
    wanted = [str(v) for v in _as_list(rule.get("compare_value"))]
    operator = rule.get("operator") or "any_of"
    empty = raw is None and column["type"] != "name"
    if operator == "any_of":
        return any(w in candidates for w in wanted) or ("" in wanted and empty)
    if operator == "not_any_of":
        return not any(w in candidates for w in wanted)
    if operator == "is_empty":
        return empty
    if operator == "is_not_empty":
        return not empty
    if operator in ("contains_text", "not_contains_text", "contains_terms"):
        found = any(w.lower() in text.lower() for w in wanted)
        return found if operator != "not_contains_text" else not found
    if operator == "starts_with":
        return any(text.startswith(w) for w in wanted)
    if operator == "ends_with":
        return any(text.endswith(w) for w in wanted)
    if operator in ("greater_than", "greater_than_or_equals", "lower_than", "lower_than_or_equal", "between"):
        # Numbers compare as numbers, dates (ISO strings) as strings.
        mine = _number(text) if column["type"] == "numbers" else text
        theirs = [_number(w) if column["type"] == "numbers" else w for w in wanted]
        if mine in (None, "") or None in theirs:
            return False
        if operator == "between":
            return len(theirs) == 2 and theirs[0] <= mine <= theirs[1]
        return {"greater_than": mine > theirs[0], "greater_than_or_equals": mine >= theirs[0],
                "lower_than": mine < theirs[0], "lower_than_or_equal": mine <= theirs[0]}[operator]
    raise monday_error(f"The sandbox does not simulate the {operator} operator", "SandboxUnsupportedOperator", 200)


def _group_matches(store, board, item, query) -> bool:
    results = [_matches(store, board, item, rule) for rule in query.get("rules") or []]
    results += [_group_matches(store, board, item, group) for group in query.get("groups") or []]
    if not results:
        return True
    return any(results) if query.get("operator") == "or" else all(results)


def select(store, board, items, query, group_id=None) -> list[dict]:
    ids = query.get("ids")
    if ids is not None and len(ids) > MAX_IDS:
        raise monday_error(f"At most {MAX_IDS} ids in query_params", "InvalidArgumentException", 200)
    chosen = [item for item in items if item["state"] == "active"
              and (group_id is None or item["group_id"] == group_id)
              and (ids is None or item["id"] in {str(i) for i in ids})
              and _group_matches(store, board, item, query)]
    for order in reversed(query.get("order_by") or []):
        column = store.column(board, order["column_id"])
        chosen.sort(key=lambda item: columns.text_of(column, item["values"].get(column["id"]), store.users)
                    if column["type"] != "name" else item["name"], reverse=order.get("direction") == "desc")
    return chosen


class Cursors:
    def __init__(self, clock):
        self.clock = clock
        self._open: dict[str, dict] = {}
        self._lock = threading.Lock()

    def _page(self, ids, offset, limit, items, board_id, expires) -> dict:
        page_ids = ids[offset:offset + limit]
        rest = offset + limit
        cursor = None
        if rest < len(ids):
            cursor = f"MSw{board_id}sb{secrets.token_urlsafe(24)}"
            with self._lock:
                self._open[cursor] = {"board_id": board_id, "ids": ids, "offset": rest, "expires": expires}
        # An item deleted after the first call is left out, like monday does.
        return {"cursor": cursor, "items": [items[i] for i in page_ids if items[i]["state"] != "deleted"]}

    def first_page(self, board_id, ids, limit, items) -> dict:
        return self._page(ids, 0, limit, items, board_id, self.clock.now() + UNCONFIRMED["cursor_lifetime"])

    def next_page(self, cursor, limit, items) -> dict:
        with self._lock:
            # A cursor may be asked again (a retried read gets the same page).
            state = self._open.get(cursor)
        if state is None or state["expires"] <= self.clock.now():
            raise monday_error("The cursor is invalid or has expired; start again with items_page",
                               UNCONFIRMED["cursor_expired_code"], 200)
        return self._page(state["ids"], state["offset"], limit, items, state["board_id"], state["expires"])
