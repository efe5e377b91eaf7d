"""The sliver of DAX the sandbox answers on executeQueries: counting a table's rows and its distinct keys.

    EVALUATE ROW("rows", COUNTROWS('SupplierInvoices'), "records", DISTINCTCOUNT('SupplierInvoices'[InvoiceId]))

Real Power BI evaluates any DAX; this answers that one shape (what a reconciliation asks: how many rows, how many
records) and refuses anything else with the 400 a DAX error gets. Columns created in the query come back in square
brackets, as the spec says (`[rows]`).
"""
from __future__ import annotations

import re

from sandbox.vendors.powerbi.contract import PowerBIError

ROW = re.compile(r'^\s*EVALUATE\s+ROW\s*\((?P<args>.*)\)\s*$', re.IGNORECASE | re.DOTALL)
PAIR = re.compile(r'\s*"(?P<name>[^"]+)"\s*,\s*(?P<expr>(?:COUNTROWS|DISTINCTCOUNT)\s*\([^()]*\))\s*(?:,|$)',
                  re.IGNORECASE)
COUNTROWS = re.compile(r"^COUNTROWS\s*\(\s*'(?P<table>[^']+)'\s*\)$", re.IGNORECASE)
DISTINCT = re.compile(r"^DISTINCTCOUNT\s*\(\s*'(?P<table>[^']+)'\s*\[(?P<column>[^\]]+)\]\s*\)$", re.IGNORECASE)


def dax_failure(detail: str) -> PowerBIError:
    return PowerBIError(400, "DatasetExecuteQueriesError", f"DAX query failure: {detail}")


def evaluate(dataset, query: str) -> list[dict]:
    """The one-row result table of `query` against the dataset's tables."""
    match = ROW.match(query or "")
    if not match:
        raise dax_failure("the sandbox answers EVALUATE ROW(\"name\", COUNTROWS('T') | DISTINCTCOUNT('T'[C]), …).")
    args, row, position = match.group("args"), {}, 0
    while position < len(args.rstrip()):
        pair = PAIR.match(args, position)
        if not pair:
            raise dax_failure(f"cannot read {args[position:position + 40]!r}.")
        row[f"[{pair.group('name')}]"] = _value(dataset, pair.group("expr").strip())
        position = pair.end()
    return [row]


def _value(dataset, expression: str) -> int:
    if found := COUNTROWS.match(expression):
        return len(_table(dataset, found.group("table")).rows)
    found = DISTINCT.match(expression)
    table = _table(dataset, found.group("table"))
    if found.group("column") not in table.column_types():
        raise dax_failure(f"column '{found.group('column')}' cannot be found in table '{found.group('table')}'.")
    return len({row.get(found.group("column")) for row in table.rows})


def _table(dataset, name: str):
    if name not in dataset.tables:
        raise dax_failure(f"table '{name}' cannot be found.")
    return dataset.tables[name]
