"""The demo Visma company's fixed setup: reference lists, chart of accounts, dimensions and subaccounts
(docs/vendors/visma.md §4), and the stretch of time its seeded history falls in.

None of this depends on the sizes `seed()` is asked for, so it is the same in every seeded company. The
subaccount structure is read by the writes too (a journal line or a new subaccount embeds `subaccount_ref`),
and the history helpers (`history_stamps`, `day_of`, `period_of`) by both the master data (seed.py) and the
documents (seed_documents.py), which is why they live here rather than in either.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone

from sandbox.vendors.visma.store import VismaData, stamp_of

REFERENCE = {
    "departments": {"ADM": "Administration", "FIN": "Finance", "HR": "People", "IT": "IT", "OPS": "Operations",
                    "SALES": "Sales"},
    "employee_classes": {"EMPDEF": "Default employee class", "EMPHR": "Hourly employees",
                         "EMPSAL": "Salaried employees"},
    "branches": {"1": "Hovedkontor Oslo", "2": "Avdeling Bergen"},
    "calendars": {"MAIN": "Main calendar", "SHIFT": "Shift calendar"},
    "countries": {"NO": "Norway", "SE": "Sweden", "DK": "Denmark", "FI": "Finland"},
    "customer_classes": {"DOM": "Domestic customers", "EXP": "Export customers"},
    "supplier_classes": {"DOM": "Domestic suppliers", "FOR": "Foreign suppliers"},
    "credit_terms": {"14": "14 days net", "30": "30 days net", "CASH": "Cash"},
    "vat_codes": {"1": "Input VAT 25%", "3": "Output VAT 25%", "5": "No output VAT"},
    "payment_methods": {"BANK": "Bank transfer", "CARD": "Card payment"},
}

# The six GL accounts the connection test reports (tests/connections/test_visma_connection.py).
ACCOUNTS = [("1910", "Cash", "Asset"), ("1930", "Bank", "Asset"), ("2440", "Accounts payable", "Liability"),
            ("3010", "Sales", "Income"), ("5010", "Rent", "Expense"), ("7010", "Salaries", "Expense")]

# Work locations an employee can be placed in: values of the LOCATION dimension (UNCONFIRMED employee_location).
LOCATIONS = {"HQ": "Head office", "OSLO": "Oslo office", "REMOTE": "Remote"}
# SUBACCOUNT segment 1 = department, segment 2 = cost centre (UNCONFIRMED cost_centre_segment).
SUBACCOUNT_SEGMENTS = {
    1: ("Department", 2, {"10": "Administration", "20": "Sales", "30": "Operations", "40": "IT"}),
    2: ("Cost centre", 4, {"1000": "Oslo", "1100": "Bergen", "1200": "Trondheim", "1300": "Stavanger",
                           "2000": "Stockholm"}),
}

BASE = datetime(2026, 1, 5, 7, 0, tzinfo=timezone.utc).timestamp()
SPAN = 250 * 86400  # seeded records were last touched between January and mid-September 2026


def uuid_from(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"


def history_stamps(rng: random.Random, count: int) -> list[str]:
    step = SPAN / max(count, 1)
    return [stamp_of(BASE + i * step + rng.random() * step * 0.9) for i in range(count)]


def day_of(stamp: str, plus_days: int = 0) -> str:
    if not plus_days:
        return stamp[:10] + "T00:00:00"
    moment = datetime.fromisoformat(stamp[:10]).timestamp() + plus_days * 86400
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT00:00:00")


def period_of(stamp: str) -> str:
    return stamp[:4] + stamp[5:7]


def seed_dimensions(data: VismaData) -> None:
    rng = random.Random("visma-dimensions")
    origin = stamp_of(BASE - 90 * 86400)

    def public_id():
        return uuid_from(rng)

    def segment(segment_id, description, length, validate=True):
        return {"internalId": data.next("internal_id", 100), "segmentId": segment_id, "description": description,
                "length": length, "publicId": public_id(), "timeStamp": data.row_version(), "lastModified": origin,
                "validate": validate, "isAutoNumber": False, "consolNumChar": 0, "consolOrder": segment_id}

    subaccount = {"id": "SUBACCOUNT", "length": 6, "description": "Subaccount", "segments": {}}
    data.segment_values = {}
    for segment_id, (description, length, values) in SUBACCOUNT_SEGMENTS.items():
        subaccount["segments"][segment_id] = segment(segment_id, description, length)
        data.segment_values[("SUBACCOUNT", segment_id)] = {
            value_id: {"internalId": data.next("internal_id", 100), "segmentId": segment_id, "valueId": value_id,
                       "description": text, "publicId": public_id(), "active": True, "timeStamp": data.row_version(),
                       "lastModified": origin, "mappedSegValue": ""}
            for value_id, text in values.items()}
    data.segment_values[("LOCATION", 1)] = {
        value_id: {"internalId": data.next("internal_id", 100), "segmentId": 1, "valueId": value_id,
                   "description": text, "publicId": public_id(), "active": True, "timeStamp": data.row_version(),
                   "lastModified": origin, "mappedSegValue": ""}
        for value_id, text in LOCATIONS.items()}
    data.dimensions = {
        "LOCATION": {"id": "LOCATION", "length": 10, "description": "Location", "segments": {
            1: segment(1, "Location", 10)}},
        "ACCOUNT": {"id": "ACCOUNT", "length": 4, "description": "Account", "segments": {
            1: segment(1, "Account", 4, validate=False)}},
        "EMPLOYEE": {"id": "EMPLOYEE", "length": 10, "description": "Employee", "segments": {
            1: segment(1, "Employee ID", 10, validate=False)}},
        "SUBACCOUNT": subaccount,
    }


def dimension_add(data: VismaData, dimension_id: str, segments: dict[int, tuple[str, int]],
                  values: dict[int, dict[str, str]] | None = None) -> None:
    """A dimension the company set up for itself (e.g. its org hierarchy, one segment per level), empty but
    for `values` ({segment id: {value id: description}}). Visma has no API to create one (it is configured
    in the ERP), so tests and the demo call this; given "SUBACCOUNT", it restructures the subaccount."""
    rng = random.Random(f"visma-dimension-{dimension_id}")
    origin = stamp_of(BASE - 90 * 86400)
    with data.lock:
        data.dimensions[dimension_id] = {
            "id": dimension_id, "length": sum(length for _, length in segments.values()), "description": dimension_id.title(),
            "segments": {segment_id: {
                "internalId": data.next("internal_id", 100), "segmentId": segment_id, "description": description,
                "length": length, "publicId": uuid_from(rng), "timeStamp": data.row_version(), "lastModified": origin,
                "validate": True, "isAutoNumber": False, "consolNumChar": 0, "consolOrder": segment_id}
                for segment_id, (description, length) in segments.items()}}
        for segment_id in segments:
            data.segment_values[(dimension_id, segment_id)] = {
                value_id: {"internalId": data.next("internal_id", 100), "segmentId": segment_id, "valueId": value_id,
                           "description": text, "publicId": uuid_from(rng), "active": True,
                           "timeStamp": data.row_version(), "lastModified": origin, "mappedSegValue": ""}
                for value_id, text in ((values or {}).get(segment_id) or {}).items()}


def subaccount_ref(data: VismaData, number: str) -> dict:
    """The SubAccountDto a document line embeds, built from the segment values (docs/vendors/visma.md §4)."""
    stored = data.tables["subaccounts"].get(number)
    segments = []
    for segment_id, value_id in enumerate(number.split("-"), start=1):
        segment = data.dimensions["SUBACCOUNT"]["segments"][segment_id]
        value = data.values_of("SUBACCOUNT", segment_id).get(value_id, {})
        segments.append({"segmentId": segment_id, "segmentDescription": segment["description"],
                         "segmentValue": value_id, "segmentValueDescription": value.get("description", "")})
    description = " / ".join(s["segmentValueDescription"] for s in segments)
    return {"subaccountNumber": number, "subaccountId": stored["subaccountId"] if stored else 0,
            "description": stored["description"] if stored else description,
            "active": stored["active"] if stored else True, "segments": segments}


def subaccount_records(data: VismaData) -> list[dict]:
    stamp = stamp_of(BASE - 60 * 86400)
    records = []
    for department in SUBACCOUNT_SEGMENTS[1][2]:
        for cost_centre in list(SUBACCOUNT_SEGMENTS[2][2])[:3]:
            ref = subaccount_ref(data, f"{department}-{cost_centre}")
            ref["subaccountId"] = data.next("subaccount_id", 1)
            records.append(data.stamp({**ref, "lastModifiedDateTime": stamp}, stamp))
    return records


def account_records(data: VismaData) -> list[dict]:
    stamp = stamp_of(BASE - 120 * 86400)
    return [data.stamp({
        "accountId": i, "accountCd": cd, "accountGroupCd": "BAL" if kind in ("Asset", "Liability") else "RES",
        "accountClass": cd[:2], "type": kind, "active": True, "description": description, "useDefaultSub": False,
        "postOption": "Summary" if cd in ("1910", "1930") else "Detail", "currency": "", "taxCategory": "",
        "cashAccount": cd in ("1910", "1930"), "publicCode1": cd, "controlAccountModule": "AP" if cd == "2440" else "",
        "allowManualEntry": cd != "2440",
    }, stamp) for i, (cd, description, kind) in enumerate(ACCOUNTS, start=1)]


def account_ref(cd: str) -> dict:
    description, kind = next((d, k) for c, d, k in ACCOUNTS if c == cd)
    return {"type": kind, "number": cd, "description": description}
