"""Pure helpers for showing records to people: a record's name, and the fields one write changes."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from syncs.mapping import MISSING, get_path

# Where records of the vendors we sync keep a person's or a thing's name, most telling first.
NAME_PATHS = ("contact.name", "name", "displayName", "display_name", "description", "title", "legalName")
NAME_PARTS = (("contact.firstName", "contact.lastName"), ("user.name.given_name", "user.name.family_name"),
              ("first_name", "last_name"), ("firstName", "lastName"))


def record_name(payload: Any) -> str:
    """What people call the record ("Ada Lovelace", "Platform"), or '' when it carries no name."""
    if not isinstance(payload, dict):
        return ""
    for first, last in NAME_PARTS:
        parts = [get_path(payload, first, ""), get_path(payload, last, "")]
        if any(isinstance(p, str) and p for p in parts):
            return " ".join(p for p in parts if isinstance(p, str) and p)
    for path in NAME_PATHS:
        value = get_path(payload, path, "")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


@dataclass(frozen=True)
class FieldChange:
    field: str  # dotted path, as the field is written
    before: str  # "" when the destination has no value
    after: str


def leaves(record: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path → scalar (lists are one value), for comparing two records field by field."""
    if not isinstance(record, dict):
        return {prefix.rstrip("."): record} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(leaves(value, f"{path}."))
        else:
            out[path] = value
    return out


def shown(value: Any) -> str:
    if value is None or value is MISSING:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_changes(before: dict, after: dict) -> list[FieldChange]:
    """The fields of `after` whose value differs from `before` (only those a write sends)."""
    old = leaves(before)
    return [FieldChange(path, shown(old.get(path)), shown(value)) for path, value in sorted(leaves(after).items())
            if shown(old.get(path)) != shown(value)]
