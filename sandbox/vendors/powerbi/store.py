"""Push datasets as Power BI keeps them: the schema checks of create and PUT table, the row checks of POST rows,
the stored rows with basicFIFO trimming (docs/vendors/powerbi.md §3–§6), and sums a report would show."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.vendors.powerbi.contract import (
    DOUBLE_MAX,
    FIFO_KEEP_ROWS,
    FIFO_TRIM_ABOVE,
    INT64_MAX,
    MAX_COLUMNS,
    MAX_ROWS_RETENTION_NONE,
    MAX_STRING_LENGTH,
    MAX_TABLES,
    UNCONFIRMED,
    PowerBIError,
    bad_request,
)

# The properties each request type declares in swagger.json; anything else is refused as Power BI does (§6).
PROPERTIES = {
    "Dataset": {"name", "tables", "relationships", "datasources", "defaultMode"},
    "Table": {"name", "columns", "rows", "measures", "isHidden", "description", "source"},
    "Column": {"name", "dataType", "formatString", "sortByColumn", "dataCategory", "isHidden", "summarizeBy"},
    "Measure": {"name", "expression", "formatString", "description", "isHidden"},
    "Relationship": {"name", "fromTable", "fromColumn", "toTable", "toColumn", "crossFilteringBehavior"},
    "DatasetRefreshRequest": {"notifyOption", "type", "commitMode", "maxParallelism", "retryCount", "objects",
                              "applyRefreshPolicy", "effectiveDate", "timeout"},
}
REQUIRED = {"Dataset": ("name", "tables"), "Table": ("name", "columns"), "Column": ("name", "dataType"),
            "Measure": ("name", "expression"),
            "Relationship": ("name", "fromTable", "fromColumn", "toTable", "toColumn")}
# Table and relationship names, from the spec's `Table.name` pattern.
NAME_PATTERN = re.compile(r"^[\t\n\r #\-0-9@-Z^_a-z~\u007f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]{1,100}$")
RETENTION_POLICIES = {"none": "None", "basicfifo": "basicFIFO"}
CROSS_FILTERING = {"OneDirection", "BothDirections", "Automatic"}


def check_properties(body: object, kind: str, target: str) -> dict:
    if not isinstance(body, dict):
        raise bad_request(f"A {kind} must be a JSON object.", target)
    for name in body:
        if name not in PROPERTIES[kind]:
            raise bad_request("Bad Request", target, f"The property '{name}' does not exist on type "
                              f"'Microsoft.PowerBI.ServiceContracts.Api.{kind}'. Make sure to only use property "
                              "names that are defined by the type.")
    for name in REQUIRED.get(kind, ()):
        if body.get(name) in (None, "", []) and not (kind == "Table" and name == "columns" and name in body):
            raise bad_request("Bad Request", target, f"The property '{name}' is required on type "
                              f"'Microsoft.PowerBI.ServiceContracts.Api.{kind}'.")
    return body


def table_definition(body: object, target: str = "table") -> dict:
    """A Table as stored: the request's own properties, dataTypes normalised (§4)."""
    table = check_properties(body, "Table", target)
    if not isinstance(table["name"], str) or not NAME_PATTERN.match(table["name"]):
        raise bad_request("Bad Request", target, f"Table name {table['name']!r} is not valid.")
    columns = table.get("columns") or []
    if not isinstance(columns, list):
        raise bad_request("Bad Request", target, "columns must be an array.")
    if len(columns) > MAX_COLUMNS:
        raise bad_request("Bad Request", table["name"], f"Table '{table['name']}' has {len(columns)} columns; "
                          f"a push dataset table has at most {MAX_COLUMNS}.")
    seen, normalised = set(), []
    for column in columns:
        column = dict(check_properties(column, "Column", table["name"]))
        data_type = UNCONFIRMED["data_types"].get(str(column["dataType"]).lower())
        if data_type is None:
            raise bad_request("Bad Request", column["name"], f"Column '{column['name']}' has an unknown dataType "
                              f"{column['dataType']!r}.")
        if column["name"].lower() in seen:
            raise bad_request("Bad Request", column["name"], f"Column '{column['name']}' appears twice.")
        seen.add(column["name"].lower())
        normalised.append({**column, "dataType": data_type})
    measures = [dict(check_properties(m, "Measure", table["name"])) for m in table.get("measures") or []]
    stored = {k: v for k, v in table.items() if k not in ("rows", "columns", "measures")}
    stored["columns"] = normalised
    if measures:
        stored["measures"] = measures
    return stored


@dataclass
class StoredTable:
    definition: dict
    rows: list[dict] = field(default_factory=list)
    rows_received: int = 0  # every row ever accepted, including those FIFO dropped since

    @property
    def name(self) -> str:
        return self.definition["name"]

    def column_types(self) -> dict[str, str]:
        return {c["name"]: c["dataType"] for c in self.definition["columns"]}


@dataclass
class Dataset:
    workspace_id: str
    properties: dict  # what the API returns for it (docs/vendors/powerbi.md §3 "Dataset")
    tables: dict[str, StoredTable] = field(default_factory=dict)
    relationships: list[dict] = field(default_factory=list)
    default_retention_policy: str = "None"
    refreshes: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.properties["id"]

    @property
    def is_push(self) -> bool:
        return bool(self.properties.get("addRowsAPIEnabled"))

    def table(self, name: str) -> StoredTable:
        # Table names are case-sensitive path segments (§2).
        table = self.tables.get(name)
        if table is None:
            raise PowerBIError(404, "ItemNotFound", f"Table '<pi>{name}</pi>' not found in dataset '{self.id}'")
        return table


def retention_policy(value: str | None) -> str:
    if value is None:
        return "None"
    policy = RETENTION_POLICIES.get(value.lower())
    if policy is None:
        raise bad_request("Bad Request", "defaultRetentionPolicy",
                          f"defaultRetentionPolicy must be None or basicFIFO, not {value!r}.")
    return policy


def dataset_schema(body: object) -> tuple[str, list[dict], list[dict]]:
    """Name, table definitions and relationships of a CreateDatasetRequest, or the 400 Power BI answers."""
    body = check_properties(body, "Dataset", "dataset")
    tables = body["tables"] if isinstance(body["tables"], list) else []
    if len(tables) > MAX_TABLES:
        raise bad_request("Bad Request", "dataset", f"A push dataset has at most {MAX_TABLES} tables.")
    definitions = [table_definition(t) for t in tables]
    names = [t["name"] for t in definitions]
    if len(set(names)) != len(names):
        raise bad_request("Bad Request", "dataset", "Table names must be unique.")
    columns = {t["name"]: {c["name"] for c in t["columns"]} for t in definitions}
    relationships = []
    for relationship in body.get("relationships") or []:
        relationship = check_properties(relationship, "Relationship", "relationship")
        for end in ("from", "to"):
            table, column = relationship[f"{end}Table"], relationship[f"{end}Column"]
            if column not in columns.get(table, ()):
                raise bad_request("Bad Request", relationship["name"],
                                  f"Relationship '{relationship['name']}' refers to {table}[{column}], which is "
                                  "not a column of the dataset.")
        if relationship.get("crossFilteringBehavior", "OneDirection") not in CROSS_FILTERING:
            raise bad_request("Bad Request", relationship["name"], "crossFilteringBehavior is not valid.")
        relationships.append(dict(relationship))
    return body["name"], definitions, relationships


def value_problem(value: object, data_type: str) -> str | None:
    """Why a value does not fit the column type (§4), or None. Null fits every column."""
    if value is None:
        return None
    if data_type == "Int64":
        ok = isinstance(value, int) and not isinstance(value, bool) and -INT64_MAX <= value < INT64_MAX
    elif data_type in ("Double", "Decimal"):
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and abs(value) < DOUBLE_MAX)
    elif data_type == "Boolean":
        ok = isinstance(value, bool)
    elif data_type == "DateTime":
        ok = isinstance(value, str) and parse_datetime(value) is not None
    else:
        if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
            return f"is {len(value)} characters long; a String value has at most {MAX_STRING_LENGTH}"
        ok = isinstance(value, str)
    return None if ok else f"value {str(value)[:50]!r} is not a valid {data_type}"


def parse_datetime(value: str) -> datetime | None:
    for parse in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
                  lambda v: datetime.strptime(v, "%m/%d/%Y")):  # the spec's own example: "07/30/2014"
        try:
            return parse(value)
        except ValueError:
            continue
    return None


# Fast per-type checks for POST rows (10,000 rows a request); `value_problem` says why one failed.
FITS = {
    "Int64": lambda v: type(v) is int and -INT64_MAX <= v < INT64_MAX,
    "Double": lambda v: (type(v) is float and math.isfinite(v) and abs(v) < DOUBLE_MAX) or type(v) is int,
    "Boolean": lambda v: type(v) is bool,
    "DateTime": lambda v: type(v) is str and parse_datetime(v) is not None,
    "String": lambda v: type(v) is str and len(v) <= MAX_STRING_LENGTH,
}
FITS["Decimal"] = FITS["Double"]


def column_fits(values: list, data_type: str) -> bool:
    """Whether every value of one column fits, checked a column at a time (C-speed built-ins) so 10,000 rows
    cost milliseconds; only a failing POST takes the row-by-row path that names the problems."""
    values = [v for v in values if v is not None]
    kinds = set(map(type, values))
    if not values:
        return True
    if data_type == "Int64":
        return kinds == {int} and -INT64_MAX <= min(values) and max(values) < INT64_MAX
    if data_type in ("Double", "Decimal"):
        return kinds <= {int, float} and all(map(math.isfinite, values)) and max(map(abs, values)) < DOUBLE_MAX
    if data_type == "Boolean":
        return kinds == {bool}
    if data_type == "String":
        return kinds == {str} and max(map(len, values)) <= MAX_STRING_LENGTH
    return kinds == {str} and all(parse_datetime(v) is not None for v in values)


def rows_check(table: StoredTable, rows: list) -> None:
    """Unknown columns and wrong types: 400 BadRequest naming the column in details[].target (§6)."""
    types = table.column_types()
    if all(type(row) is dict for row in rows) and (set().union(*rows) <= types.keys()) and all(
            column_fits([row.get(name) for row in rows], data_type) for name, data_type in types.items()):
        return
    fits = {name: FITS[data_type] for name, data_type in types.items()}
    details = []
    for index, row in enumerate(rows):
        if type(row) is not dict:
            details.append({"message": f"Row {index} is not an object.", "target": f"rows[{index}]"})
        else:
            for name, value in row.items():
                fit = fits.get(name)
                if fit is None:
                    details.append({"message": f"Row {index}: column '{name}' does not exist in table "
                                               f"'{table.name}'.", "target": name})
                elif value is not None and not fit(value):
                    details.append({"message": f"Row {index}: column '{name}' "
                                               f"{value_problem(value, types[name])}.", "target": name})
        if len(details) >= 10:
            break
    if details:
        raise PowerBIError(400, UNCONFIRMED["bad_row_code"], "Bad Request", details)


def rows_append(dataset: Dataset, table: StoredTable, rows: list[dict]) -> None:
    if dataset.default_retention_policy == "None" and len(table.rows) + len(rows) > MAX_ROWS_RETENTION_NONE:
        status, code, text = UNCONFIRMED["table_full"]
        raise PowerBIError(status, code, text.format(table=table.name))
    table.rows.extend(rows)
    table.rows_received += len(rows)
    if dataset.default_retention_policy == "basicFIFO" and len(table.rows) > FIFO_TRIM_ABOVE:
        del table.rows[: len(table.rows) - FIFO_KEEP_ROWS]  # the oldest go first [FIFO]


def rows_sum(rows: list[dict], column: str, where: dict | None = None) -> float:
    """What a report's SUM(column) shows, optionally filtered by equal column values."""
    where = where or {}
    return sum(row.get(column) or 0 for row in rows if all(row.get(k) == v for k, v in where.items()))


def rows_latest_sum(rows: list[dict], key: str, column: str) -> float:
    """What the declared measures show (connections/vendors/powerbi/schema.py `latest_sum`): each record once,
    at its latest Version, tombstones left out; a row pushed twice counts once."""
    latest: dict = {}
    for row in rows:
        current = latest.get(row.get(key))
        if current is None or (row.get("Version") or 0) > (current.get("Version") or 0):
            latest[row.get(key)] = row
    return sum(row.get(column) or 0 for row in latest.values() if not row.get("Deleted"))
