"""List requests of the Visma sandbox: delta windows, filters and classic paging (docs/vendors/visma.md §7).

`select` turns a list request's arguments into the records it asks for, in delta order: a
lastModifiedDateTime window is two bisections on the table's sorted stamps (store.Table.ordered), a
createdDateTime window and the resource's own filters are scans of what is left. `page_of` cuts one classic
page out of them. The tables themselves, and the stamp format both read, are in store.py.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, Callable

from sandbox.vendors.visma.contract import DELTA_CONDITIONS
from sandbox.vendors.visma.store import Invalid, Resource, Table, parse_stamp


def delta_window(stamps: list[str], stamp: str, condition: str) -> slice:
    if condition == ">=":
        return slice(bisect_left(stamps, stamp), None)
    if condition == ">":
        return slice(bisect_right(stamps, stamp), None)
    if condition == "<":
        return slice(0, bisect_left(stamps, stamp))
    return slice(0, bisect_right(stamps, stamp))


_COMPARE: dict[str, Callable[[str, str], bool]] = {
    ">": str.__gt__, "<": str.__lt__, ">=": str.__ge__, "<=": str.__le__,
}


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted.strip().lower()
    return str(value if value is not None else "").lower() == wanted.strip().lower()


def select(table: Table, resource: Resource, args) -> list[dict]:
    """The records a list request asks for, in delta order (docs/vendors/visma.md §7)."""
    rows, stamps = table.ordered()
    stamp = args.get("lastModifiedDateTime")
    condition = args.get("lastModifiedDateTimeCondition")
    if resource.requires_one_of and not any(args.get(p) for p in resource.requires_one_of):
        raise Invalid(f"One of {' or '.join(resource.requires_one_of)} must be specified.")
    if resource.delta_condition:
        if bool(stamp) != bool(condition):
            raise Invalid("lastModifiedDateTime and lastModifiedDateTimeCondition are mutually inclusive: "
                          "send both or neither.")
    elif stamp:
        condition = ">="  # UNCONFIRMED journal_delta_condition
    if stamp:
        if condition not in DELTA_CONDITIONS:
            raise Invalid(f"lastModifiedDateTimeCondition '{condition}' is not one of >, <, >=, <=.")
        rows = rows[delta_window(stamps, parse_stamp(stamp, "lastModifiedDateTime"), condition)]
    created, created_condition = args.get("createdDateTime"), args.get("createdDateTimeCondition")
    if bool(created) != bool(created_condition):
        raise Invalid("createdDateTime and createdDateTimeCondition are mutually inclusive: send both or neither.")
    if created:
        if created_condition not in DELTA_CONDITIONS:
            raise Invalid(f"createdDateTimeCondition '{created_condition}' is not one of >, <, >=, <=.")
        compare, bound = _COMPARE[created_condition], parse_stamp(created, "createdDateTime")
        rows = [r for r in rows if "createdDateTime" in r and compare(r["createdDateTime"], bound)]
    for param, value_of in resource.filters.items():
        wanted = args.get(param)
        if wanted not in (None, ""):
            rows = [r for r in rows if _matches(value_of(r), wanted)]
    return rows


def page_of(rows: list[dict], args, *, max_page_size: int, default_page_size: int) -> list[dict]:
    """Classic list response: a bare array, metadata on every item, page size clamped (docs/vendors/visma.md §7)."""
    try:
        page_number = int(args.get("pageNumber") or 1)
        page_size = int(args.get("pageSize") or default_page_size)
    except ValueError:
        raise Invalid("pageNumber and pageSize must be integers.") from None
    if page_number < 1 or page_size < 1:
        raise Invalid("pageNumber and pageSize must be 1 or more.")
    page_size = min(page_size, max_page_size)
    start = (page_number - 1) * page_size
    metadata = {"totalCount": len(rows), "maxPageSize": max_page_size}
    return [{**row, "metadata": metadata} for row in rows[start:start + page_size]]
