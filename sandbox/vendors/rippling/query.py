"""The REST list query language (docs/vendors/rippling.md §3): `filter`, `order_by`, and the opaque cursor.

`filter` is OData-like: `updated_at ge 2024-10-01T00:00:00 and status eq 'ACTIVE'`. Strings are
quoted, datetimes are not; quoting a datetime is the documented 400 (RSG-NOTES).
"""
from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from sandbox.vendors.rippling.contract import UNCONFIRMED

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}
TIMESTAMP_FIELDS = ("created_at", "updated_at")
# A quoted string (OData doubles a quote inside: 'O''Brien') or a bare word.
TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([^\s']+))")


class QueryError(ValueError):
    """A 400 with Rippling's detail text."""


def timestamp_key(value: Any) -> int | None:
    """Microseconds since the epoch of an ISO timestamp (naive = UTC), or None if it is not one."""
    return _timestamp_key(value) if isinstance(value, str) else None


@lru_cache(maxsize=1 << 18)
def _timestamp_key(value: str) -> int | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    delta = parsed - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def sort_key(field: str, row: dict) -> Any:
    """The value a row is ordered by; records missing a timestamp sort first rather than crash."""
    if field in TIMESTAMP_FIELDS:
        key = timestamp_key(row.get(field))
        return -1 if key is None else key
    value = row.get(field)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: Any  # str, or microseconds for a timestamp field

    def matches(self, row: dict) -> bool:
        actual = row.get(self.field)
        if self.field in TIMESTAMP_FIELDS:
            actual = timestamp_key(actual)
        if actual is None or (not isinstance(actual, type(self.value))):
            return self.op == "ne"
        return OPERATORS[self.op](actual, self.value)


@dataclass(frozen=True)
class Filter:
    text: str
    clauses: tuple[Clause, ...]

    def matches(self, row: dict) -> bool:
        return all(clause.matches(row) for clause in self.clauses)

    def bounds(self, field: str) -> tuple[Any, Any]:
        """(lowest, highest) sort key the filter admits for `field`, None where open."""
        low = high = None
        for clause in self.clauses:
            if clause.field != field:
                continue
            if clause.op in ("ge", "gt", "eq"):
                low = clause.value if low is None else max(low, clause.value)
            if clause.op in ("le", "lt", "eq"):
                high = clause.value if high is None else min(high, clause.value)
        return low, high


NO_FILTER = Filter("", ())


def parse_filter(text: str, filterable: dict[str, str]) -> Filter:
    """`filterable` maps each field to "string" or "datetime"."""
    if not text or not text.strip():
        return NO_FILTER
    tokens = tokenize(text)
    clauses = []
    position = 0
    while True:
        if position + 3 > len(tokens):
            raise QueryError(UNCONFIRMED["bad_filter_detail"].format(filter=text))
        (field_quoted, field), (op_quoted, op), (value_quoted, value) = tokens[position:position + 3]
        if field_quoted or op_quoted or op.lower() not in OPERATORS:
            raise QueryError(UNCONFIRMED["bad_filter_detail"].format(filter=text))
        if field not in filterable:
            raise QueryError(UNCONFIRMED["unknown_filter_field_detail"].format(
                field=field, allowed=", ".join(filterable)))
        clauses.append(Clause(field, op.lower(), typed_value(field, filterable[field], value, value_quoted)))
        position += 3
        if position == len(tokens):
            return Filter(text, tuple(clauses))
        conjunction_quoted, conjunction = tokens[position]
        if conjunction_quoted or conjunction.lower() not in UNCONFIRMED["filter_conjunctions"]:
            raise QueryError(UNCONFIRMED["bad_filter_detail"].format(filter=text))
        position += 1


def tokenize(text: str) -> list[tuple[bool, str]]:
    """(quoted, text) per token."""
    tokens, position = [], 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise QueryError(UNCONFIRMED["bad_filter_detail"].format(filter=text))
        quoted, bare = match.groups()
        tokens.append((True, quoted.replace("''", "'")) if quoted is not None else (False, bare))
        position = match.end()
    return tokens


def typed_value(field: str, kind: str, value: str, quoted: bool) -> Any:
    if kind == "datetime":
        if quoted:
            # The one filter error text the contract quotes (RSG-NOTES), for a datetime field.
            raise QueryError(UNCONFIRMED["quoted_datetime_detail"].format(field=field))
        key = timestamp_key(value)
        if key is None:
            raise QueryError(UNCONFIRMED["invalid_datetime_detail"].format(field=field, value=value))
        return key
    if not quoted:
        got = "datetime" if timestamp_key(value) is not None else "identifier"
        raise QueryError(UNCONFIRMED["unquoted_string_detail"].format(field=field, got=got))
    return value


# --- the cursor -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CursorState:
    order_by: str
    limit: int
    filter: str
    expand: str
    after: tuple  # (sort key, id) of the last record served


def encode_cursor(state: CursorState) -> str:
    raw = json.dumps({"o": state.order_by, "l": state.limit, "f": state.filter, "e": state.expand,
                      "a": list(state.after)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CursorState | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(state, dict):
            return None
        key, last_id = state["a"]
        if not isinstance(key, (int, str)) or not isinstance(last_id, str):
            return None
        return CursorState(order_by=str(state["o"]), limit=int(state["l"]), filter=str(state["f"]),
                           expand=str(state["e"]), after=(key, last_id))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
