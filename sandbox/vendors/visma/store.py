"""The Visma sandbox's data: one keyed table per resource, the stamp format, value unwrapping.

Tables index records by their path key for O(1) lookups and keep a lazily rebuilt
order (lastModifiedDateTime, then key) so that paging through a delta is
deterministic and a delta window is two bisections, even at 100k records
(query.py reads them that way).
Records are replaced, never mutated in place, so a response being serialised on
one thread never sees a half-applied write from another.
"""
from __future__ import annotations

import base64
import copy
import json
import re
import struct
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable


class Invalid(Exception):
    """A request Visma refuses with 400 and an IPPException body."""


class Missing(Exception):
    """An unknown key: 404 (docs/vendors/visma.md §9)."""


def stamp_of(epoch: float) -> str:
    """yyyy-MM-ddTHH:mm:ss.fff, no offset (docs/vendors/visma.md §7; UNCONFIRMED delta_timezone). Sorts as text."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


_ACCEPTED_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?)?$")
ACCEPTED_FORMATS = ("yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, yyyy-MM-dd HH:mm:ss.FFF, yyyy-MM-ddTHH:mm:ss, "
                    "yyyy-MM-ddTHH:mm:ss.FFF")


def parse_stamp(text: str, param: str) -> str:
    """One of the five accepted formats (docs/vendors/visma.md §7) → the canonical form records carry."""
    match = _ACCEPTED_STAMP.match(text.strip())
    if match:
        day, time_of_day, fraction = match.groups()
        time_of_day = time_of_day or "00:00:00"
        try:
            datetime.strptime(f"{day} {time_of_day}", "%Y-%m-%d %H:%M:%S")  # 2026-02-30 matches the pattern only
        except ValueError:
            pass
        else:
            return f"{day}T{time_of_day}.{(fraction or '').ljust(3, '0')}"
    raise Invalid(f"{param} '{text}' is not a valid date. Accepted formats: {ACCEPTED_FORMATS}.")


class Table:
    def __init__(self, key_field: str):
        self.key_field = key_field
        self.rows: dict[str, dict] = {}
        self._ordered: tuple[list[dict], list[str]] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def key_of(self, record: dict) -> str:
        return str(record[self.key_field])

    def get(self, key: str) -> dict | None:
        return self.rows.get(str(key))

    def put(self, record: dict) -> None:
        self.rows[self.key_of(record)] = record
        self._ordered = None

    def remove(self, key: str) -> dict | None:
        self._ordered = None
        return self.rows.pop(str(key), None)

    def replace(self, records) -> None:
        self.rows = {self.key_of(r): r for r in records}
        self._ordered = None

    def ordered(self) -> tuple[list[dict], list[str]]:
        ordered = self._ordered
        if ordered is None:
            key_field = self.key_field
            rows = list(self.rows.values())  # one C-level copy: a create on another thread cannot resize it mid-sort
            rows.sort(key=lambda r: (r["lastModifiedDateTime"], str(r[key_field])))
            ordered = self._ordered = (rows, [r["lastModifiedDateTime"] for r in rows])
        return ordered


@dataclass(frozen=True)
class Resource:
    """One list/get resource of docs/vendors/visma.md §4."""

    path: str  # URL segment as Visma spells it
    version: str
    table: str
    label: str
    entity: str  # webhook entity name
    filters: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    writable: bool = False
    creatable: bool = True  # with writable: POST as well as PUT
    # v2 journaltransaction takes lastModifiedDateTime without a Condition, and needs it or periodId (§4, §7).
    delta_condition: bool = True
    requires_one_of: tuple[str, ...] = ()


def _number(path: str) -> Callable[[dict], Any]:
    outer, inner = path.split(".")
    return lambda record: (record.get(outer) or {}).get(inner)


def _field(name: str) -> Callable[[dict], Any]:
    return lambda record: record.get(name)


RESOURCES: dict[str, Resource] = {r.path: r for r in (
    Resource("employee", "v1", "employees", "Employee", "employee", writable=True,
             filters={"linkedToUser": lambda r: r.get("employeeLogin", "") != ""}),
    Resource("customer", "v1", "customers", "Customer", "customer", writable=True,
             filters={"status": _field("status"), "name": _field("name"), "corporateId": _field("corporateId"),
                      "vatRegistrationId": _field("vatRegistrationId")}),
    Resource("supplier", "v1", "suppliers", "Supplier", "supplier", writable=True,
             filters={"status": _field("status"), "name": _field("name"), "corporateId": _field("corporateId"),
                      "vatRegistrationId": _field("vatRegistrationId")}),
    Resource("subaccount", "v1", "subaccounts", "Subaccount", "subaccount", writable=True,
             filters={"active": _field("active")}),
    Resource("account", "v1", "accounts", "Account", "account", filters={"active": _field("active")}),
    Resource("journaltransaction", "v2", "journal_transactions", "Journal transaction", "journaltransaction",
             writable=True, delta_condition=False, requires_one_of=("periodId", "lastModifiedDateTime"),
             filters={"periodId": _field("financialPeriod"), "module": _field("module"), "status": _field("status"),
                      "branch": _field("branch")}),
    Resource("supplierInvoice", "v1", "supplier_invoices", "Supplier invoice", "supplierinvoice",
             writable=True, creatable=False,
             filters={"supplier": _number("supplier.number"), "documentType": _field("documentType"),
                      "status": _field("status"), "financialPeriod": _field("financialPeriod")}),
    Resource("customerinvoice", "v1", "customer_invoices", "Customer invoice", "customerinvoice",
             filters={"customer": _number("customer.number"), "documentType": _field("documentType"),
                      "status": _field("status"), "financialPeriod": _field("financialPeriod")}),
    Resource("purchaseorder", "v1", "purchase_orders", "Purchase order", "purchaseorder",
             writable=True, creatable=False,
             filters={"orderType": _field("orderType"), "orderStatus": _field("status"),
                      "supplier": _number("supplier.number"), "branch": _number("branch.number")}),
    Resource("payment", "v1", "payments", "Payment", "payment",
             filters={"customer": _number("customer.number"), "status": _field("status")}),
)}

TABLE_KEYS = {
    "employees": "employeeId", "customers": "number", "suppliers": "number", "subaccounts": "subaccountNumber",
    "accounts": "accountCd", "journal_transactions": "batchNumber", "supplier_invoices": "referenceNumber",
    "customer_invoices": "referenceNumber", "purchase_orders": "orderNbr", "payments": "refNbr",
}


def unwrap(body: Any, plain: frozenset = frozenset({"operation"}), where: str = "") -> dict:
    """A write body with scalars as {"value": …} (docs/vendors/visma.md §4 Writes) → plain fields.

    Keys in `plain` are sent bare (line `operation`, SegmentUpdateDto's segmentId/segmentValue).
    A null leaves the field out; {"value": null} becomes None, which clears it.
    """
    if not isinstance(body, dict):
        raise Invalid(f"{where.rstrip('.') or 'The request body'} must be a JSON object.")
    fields: dict = {}
    for key, value in body.items():
        name = f"{where}{key}"
        if value is None:
            continue
        if key in plain:
            fields[key] = value
        elif isinstance(value, dict):
            if set(value) == {"value"}:
                inner = value["value"]
                fields[key] = unwrap(inner, plain, name + ".") if isinstance(inner, dict) else inner
            else:  # a nested object (contact, address) whose own scalars are wrapped
                fields[key] = unwrap(value, plain, name + ".")
        elif isinstance(value, list):
            fields[key] = [unwrap(item, plain, f"{name}[{i}].") for i, item in enumerate(value)]
        else:
            raise Invalid(f"Field '{name}' must be sent as {{\"value\": {json.dumps(value)}}}: "
                          "Visma.net write DTOs wrap every scalar field in an object with a 'value' property.")
    return fields


class VismaData:
    """Everything one sandboxed Visma company holds."""

    def __init__(self):
        self.lock = threading.RLock()
        self.tables: dict[str, Table] = {name: Table(key) for name, key in TABLE_KEYS.items()}
        self.dimensions: dict[str, dict] = {}  # "SUBACCOUNT" → {id, length, description, segments: {int: segment}}
        self.segment_values: dict[tuple[str, int], dict[str, dict]] = {}
        self.reference: dict[str, dict] = {}  # departments, classes, branches, … : id → description
        self.counters: dict[str, int] = {}

    def next(self, counter: str, start: int = 1) -> int:
        with self.lock:
            value = self.counters.get(counter, start - 1) + 1
            self.counters[counter] = value
            return value

    def row_version(self) -> str:
        """A base64 SQL rowversion, like the timeStamp Visma sends (e.g. "AAAAAE0YIiI=", docs/vendors/visma.md §5)."""
        return base64.b64encode(struct.pack(">Q", self.next("rowversion", 1_293_000_000))).decode()

    def stamp(self, record: dict, now: str) -> dict:
        record["lastModifiedDateTime"] = now
        record["timeStamp"] = self.row_version()
        return record

    # --- dimensions --------------------------------------------------------------
    def dimension(self, dimension_id: str) -> dict:
        dimension = self.dimensions.get(dimension_id.upper())  # UNCONFIRMED dimension_id_case
        if dimension is None:
            raise Missing(f"Dimension {dimension_id} not found.")
        return dimension

    def segment(self, dimension_id: str, segment_id: int) -> dict:
        segment = self.dimension(dimension_id)["segments"].get(int(segment_id))
        if segment is None:
            raise Missing(f"Segment {segment_id} of dimension {dimension_id} not found.")
        return segment

    def values_of(self, dimension_id: str, segment_id: int) -> dict[str, dict]:
        return self.segment_values.setdefault((dimension_id.upper(), int(segment_id)), {})

    def render_segment(self, dimension_id: str, segment: dict) -> dict:
        return {**segment, "segmentValues": list(self.values_of(dimension_id, segment["segmentId"]).values())}

    def render_dimension(self, dimension: dict) -> dict:
        return {**dimension, "segments": [self.render_segment(dimension["id"], s)
                                          for s in dimension["segments"].values()]}

    # --- persistence ---------------------------------------------------------------
    def dump(self) -> dict:
        """A JSON-serialisable snapshot. Records are shared, not copied: they are never changed in place."""
        with self.lock:
            return {
                "tables": {name: list(table.rows.values()) for name, table in self.tables.items()},
                "dimensions": [{**d, "segments": list(d["segments"].values())} for d in self.dimensions.values()],
                "segment_values": [{"dimensionId": d, "segmentId": s, "values": list(v.values())}
                                   for (d, s), v in self.segment_values.items()],
                "reference": copy.deepcopy(self.reference),
                "counters": dict(self.counters),
            }

    def load(self, state: dict) -> None:
        """Take over a snapshot from `dump()` (or its JSON round trip); its records must not be changed afterwards."""
        with self.lock:
            for name, table in self.tables.items():
                table.replace(state["tables"].get(name, []))
            self.dimensions = {d["id"]: {**d, "segments": {int(s["segmentId"]): s for s in d["segments"]}}
                               for d in state["dimensions"]}
            self.segment_values = {(e["dimensionId"], int(e["segmentId"])): {v["valueId"]: v for v in e["values"]}
                                   for e in state["segment_values"]}
            self.reference = copy.deepcopy(state["reference"])
            self.counters = dict(state["counters"])
