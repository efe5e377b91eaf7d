"""One Rippling collection in the sandbox: rows by id, and a sorted index per field it is ordered by.

Keyset paging (`order_by` + cursor, docs/vendors/rippling.md §3) reads a collection as a scan of one index
from just after the cursor's (sort key, id); store.RipplingData keeps one `Collection` per resource and
replaces rows through `put`, which keeps every index valid.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from typing import Any, Iterator

from sandbox.vendors.rippling.query import sort_key
from sandbox.vendors.rippling.seed import paused_gc


class Collection:
    """Rows of one resource by id, plus one sorted `(sort key, id)` list per sort field.

    An index is built the first time a field is ordered by and kept valid on every change with
    bisect, so paging 100,000 workers never re-sorts.
    """

    def __init__(self, rows: list[dict]):
        self.rows: dict[str, dict] = {row["id"]: row for row in rows}
        self._indexes: dict[str, list[tuple]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, row_id: str) -> dict | None:
        return self.rows.get(row_id)

    def put(self, row: dict) -> None:
        old = self.rows.get(row["id"])
        for field, index in self._indexes.items():
            if old is not None:
                entry = (sort_key(field, old), old["id"])
                position = bisect_left(index, entry)
                if position < len(index) and index[position] == entry:
                    del index[position]
            insort(index, (sort_key(field, row), row["id"]))
        self.rows[row["id"]] = row

    def index(self, field: str) -> list[tuple]:
        if field not in self._indexes:
            with paused_gc():
                self._indexes[field] = sorted((sort_key(field, row), row_id) for row_id, row in self.rows.items())
        return self._indexes[field]

    def scan(self, field: str, *, after: tuple | None = None, low: Any = None, high: Any = None) -> Iterator[dict]:
        """Rows in `field` order strictly after `after`, from sort key `low` up to `high` (inclusive)."""
        index = self.index(field)
        position = 0
        if after is not None:
            position = bisect_right(index, tuple(after))
        if low is not None:
            position = max(position, bisect_left(index, (low, "")))
        while position < len(index):
            key, row_id = index[position]
            if high is not None and key > high:
                return
            position += 1
            yield self.rows[row_id]
