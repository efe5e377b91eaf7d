"""Mapping: pure functions, no database and no HTTP, so they are trivially tested.

A flow describes each target field as a `FieldRule` (where it comes from, optional value
mapping, default). Customers override rules with `FieldMapping` rows and supply value
translations (department → cost center) with `ValueMapping` rows; the engine loads both
into a `MappingSet` once per run.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable

MISSING = object()


class MissingMapping(Exception):
    """The record needs a value translation nobody has set up yet: hold it, never guess."""

    def __init__(self, map_name: str, source_value: Any, label: str = "", display: str = ""):
        self.map_name = map_name
        self.source_value = "" if source_value is None else str(source_value)
        self.label = label or map_name.replace("_", " ")
        # `display` names the value in the user's words (a department's name rather than its id).
        what = f"{display} ({self.source_value})" if display else repr(self.source_value)
        super().__init__(f"No {self.label} mapping for {what}; "
                         f"add it under the integration's value mappings ({map_name}) and the record is released.")

    @property
    def key(self) -> str:
        return f"{self.map_name}:{self.source_value}"


class InvalidRecord(Exception):
    """The source record itself is unusable (missing id, malformed field): quarantine it."""


@dataclass(frozen=True)
class FieldRule:
    target: str
    source: str = ""
    value_map: str = ""
    default: Any = None
    required: bool = False
    transform: Callable[[Any], Any] | None = None
    label: str = ""  # how a missing value mapping is named to the user


@dataclass
class MappingSet:
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    overrides: dict[str, dict[str, FieldRule]] = field(default_factory=dict)  # stream → target → rule
    # "map:source value" → target of every translation made since the planner last took them: the audit row
    # keeps them, so a changed mapping can find the records it wrote with its old value (syncs/reapply.py).
    translated: dict[str, str] = field(default_factory=dict)

    def translate(self, map_name: str, source_value: Any, label: str = "") -> str:
        table = self.values.get(map_name, {})
        key = "" if source_value is None else str(source_value)
        if key not in table:
            raise MissingMapping(map_name, key, label)
        self.translated[f"{map_name}:{key}"] = table[key]
        return table[key]

    def take_translated(self) -> dict[str, str]:
        taken, self.translated = self.translated, {}
        return taken

    def rules_for(self, stream: str, defaults: list[FieldRule]) -> list[FieldRule]:
        overrides = self.overrides.get(stream, {})
        merged = [overrides.get(rule.target, rule) for rule in defaults]
        known = {rule.target for rule in defaults}
        merged.extend(rule for target, rule in overrides.items() if target not in known)
        return merged

    def used(self, stream: str, rules: list[FieldRule], values: dict[str, str] | None = None) -> dict:
        """A compact description of the mapping applied, for the audit trail; `values` are the value
        translations the record went through ("map:source value" → target), under the key VALUES_USED."""
        used = {rule.target: (rule.source or repr(rule.default)) + (f" via {rule.value_map}" if rule.value_map else "")
                for rule in rules}
        if values:
            used[VALUES_USED] = values
        return used


VALUES_USED = "value mappings"


def get_path(record: Any, path: str, default: Any = MISSING) -> Any:
    current = record
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return current


def set_path(target: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def field_paths(record: Any, prefix: str = "") -> list[str]:
    """The dotted paths of a record's scalar fields (what a FieldRule's `source` can name), sorted."""
    if not isinstance(record, dict):
        return []
    paths: list[str] = []
    for key, value in record.items():
        if str(key).startswith("__"):  # vendor metadata such as Rippling's __meta
            continue
        path = f"{prefix}{key}"
        paths.extend(field_paths(value, f"{path}.") if isinstance(value, dict) and value else [path])
    return sorted(paths)


def apply_rules(record: dict, rules: list[FieldRule], mappings: MappingSet) -> dict:
    if not isinstance(record, dict):
        raise InvalidRecord(f"expected an object, got {type(record).__name__}")
    out: dict = {}
    for rule in rules:
        value = get_path(record, rule.source, None) if rule.source else None
        if value in (None, "") and rule.default is not None:
            value = rule.default
        if rule.value_map and value not in (None, ""):
            value = mappings.translate(rule.value_map, value, rule.label)
        if rule.transform is not None and value is not None:
            try:
                value = rule.transform(value)
            except (TypeError, ValueError) as exc:
                raise InvalidRecord(f"{rule.source or rule.target}: {exc}") from None
        if value in (None, ""):
            if rule.required:
                raise InvalidRecord(f"required field {rule.source or rule.target!r} is empty")
            continue
        set_path(out, rule.target, value)
    return out


def content_hash(mapped: Any) -> str:
    return hashlib.sha256(json.dumps(mapped, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()
