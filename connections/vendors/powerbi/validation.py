"""Pure checks of Power BI push data against a declared schema (schema.py): no HTTP, no database.

`schema_validate` compares a dataset that exists (what GET tables answered) with the declaration, for a
customer-made dataset and for schema drift; `row_problems` says why one row cannot be pushed (types,
lengths, required columns), so it is quarantined with its reason instead of failing the POST of 10,000.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from connections.vendors.powerbi.schema import (
    BOOLEAN,
    DATETIME,
    DOUBLE,
    INT64,
    INT64_LIMIT,
    MAX_STRING_LENGTH,
    STRING,
    DatasetSchema,
    Table,
)

# dataType spellings Power BI answers with or accepts, case-insensitively (docs/vendors/powerbi.md §4).
TYPE_ALIASES = {"int64": INT64, "double": DOUBLE, "decimal": DOUBLE, "boolean": BOOLEAN, "bool": BOOLEAN,
                "datetime": DATETIME, "string": STRING}


@dataclass(frozen=True)
class Difference:
    table: str
    column: str  # "" for a whole table
    kind: str  # missing_table | missing_column | type_changed | extra_column
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        if self.kind == "missing_table":
            return f"Table {self.table} is missing."
        if self.kind == "missing_column":
            return f"{self.table}[{self.column}] is missing (expected {self.expected})."
        if self.kind == "type_changed":
            return f"{self.table}[{self.column}] is {self.found}, expected {self.expected}."
        return f"{self.table}[{self.column}] ({self.found}) is not in the declared schema."


def normalised_type(data_type: str) -> str:
    return TYPE_ALIASES.get(str(data_type).lower(), str(data_type))


def schema_validate(existing_tables: list[dict], declared: DatasetSchema) -> list[Difference]:
    """Differences between an existing dataset's tables and the declaration; [] when it can be used as is.
    Table and column names are compared exactly: Power BI's are case-sensitive (§2)."""
    existing = {t["name"]: {c["name"]: normalised_type(c.get("dataType", "")) for c in t.get("columns", [])}
                for t in existing_tables}
    differences = []
    for table in declared.tables:
        columns = existing.get(table.name)
        if columns is None:
            differences.append(Difference(table.name, "", "missing_table"))
            continue
        for column in table.columns:
            found = columns.get(column.name)
            if found is None:
                differences.append(Difference(table.name, column.name, "missing_column", column.data_type))
            elif found != column.data_type:
                differences.append(Difference(table.name, column.name, "type_changed", column.data_type, found))
        declared_names = {c.name for c in table.columns}
        differences += [Difference(table.name, name, "extra_column", found=data_type)
                        for name, data_type in columns.items() if name not in declared_names]
    return differences


def value_problem(value: object, data_type: str) -> str | None:
    if data_type == INT64:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"is {type(value).__name__}, not a whole number"
        return None if -INT64_LIMIT < value < INT64_LIMIT else "is out of the Int64 range"
    if data_type == DOUBLE:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"is {type(value).__name__}, not a number"
        return None if math.isfinite(value) else "is not a finite number"
    if data_type == BOOLEAN:
        return None if isinstance(value, bool) else f"is {type(value).__name__}, not true/false"
    if data_type == DATETIME:
        if not isinstance(value, str):
            return f"is {type(value).__name__}, not an ISO 8601 date-time"
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"{value[:40]!r} is not an ISO 8601 date-time"
        return None
    if not isinstance(value, str):
        return f"is {type(value).__name__}, not text"
    return None if len(value) <= MAX_STRING_LENGTH else \
        f"is {len(value):,} characters long; Power BI takes at most {MAX_STRING_LENGTH:,}"


def row_problems(table: Table, row: dict) -> list[str]:
    """Why `row` cannot be pushed to `table`, in words for the quarantine; [] when it can."""
    problems = []
    for name in row:
        if table.column(name) is None:
            problems.append(f"{name} is not a column of {table.name}")
    for column in table.columns:
        value = row.get(column.name)
        if value is None:
            if column.required:
                problems.append(f"{column.name} is required")
            continue
        problem = value_problem(value, column.data_type)
        if problem:
            problems.append(f"{column.name} {problem}")
    return problems
