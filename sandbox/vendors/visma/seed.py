"""Deterministic, realistic data for the Visma sandbox, with the contract's DTO field names (docs/vendors/visma.md §4).

`seed()` replaces everything the company holds. Each resource draws from its own
random stream (seed + resource name), so asking for more customers does not
change the employees. Records are plain dicts built in one pass: 100k employees
take well under a second or two.
"""
from __future__ import annotations

import copy
import gc
import random
from datetime import datetime, timezone

from sandbox.vendors.visma.contract import ZERO_UUID
from sandbox.vendors.visma.periods import seed_periods
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

FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Sofie", "Anders", "Emma", "Jonas", "Nora", "Henrik", "Maja", "Erik",
         "Sara", "Magnus", "Ida", "Oskar", "Astrid", "Sindre", "Linnea", "Mikkel", "Elin", "Johan", "Hanna",
         "Petter", "Tuva", "Jørgen", "Åse", "Bjørn"]
LAST = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Eriksen", "Bakken", "Lund", "Strand", "Solberg", "Dahl",
        "Lindqvist", "Svensson", "Søndergaard", "Ødegård"]
COMPANY_WORDS = ["Fjord", "Nord", "Vest", "Polar", "Aurora", "Bryggen", "Viking", "Nordlys", "Havbris", "Granitt",
                 "Lofoten", "Skagen"]
COMPANY_KINDS = ["Consulting AS", "Handel AS", "Logistikk AS", "Bygg AS", "Data AS", "Eiendom AS", "Marine AS",
                 "Energi AS", "Regnskap AS", "Transport AB"]
STREETS = ["Storgata", "Kirkegata", "Dronningens gate", "Bryggen", "Strandveien", "Parkveien", "Industriveien"]
PLACES = [("0150", "Oslo", "NO"), ("5003", "Bergen", "NO"), ("7011", "Trondheim", "NO"), ("4006", "Stavanger", "NO"),
          ("111 52", "Stockholm", "SE")]
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})

BASE = datetime(2026, 1, 5, 7, 0, tzinfo=timezone.utc).timestamp()
SPAN = 250 * 86400  # seeded records were last touched between January and mid-September 2026


def seed(data: VismaData, *, employees: int = 25, customers: int = 12, suppliers: int = 10,
         supplier_invoices: int = 30, customer_invoices: int = 30, purchase_orders: int = 12, payments: int = 15,
         journal_transactions: int = 12, seed: int = 7) -> None:
    # Building 100k nested dicts with the cyclic GC running costs more than building them.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _seed(data, employees, customers, suppliers, supplier_invoices, customer_invoices, purchase_orders, payments,
              journal_transactions, seed)
    finally:
        if gc_was_enabled:
            gc.enable()


def _seed(data, employees, customers, suppliers, supplier_invoices, customer_invoices, purchase_orders, payments,
          journal_transactions, seed) -> None:
    with data.lock:
        data.counters = {}
        data.reference = copy.deepcopy(REFERENCE)
        seed_periods(data)
        _dimensions(data)
        t = data.tables
        t["accounts"].replace(_accounts(data))
        t["subaccounts"].replace(_subaccounts(data))
        t["employees"].replace(_employees(data, _rng(seed, "employees"), employees))
        t["customers"].replace(_parties(data, _rng(seed, "customers"), customers, customer=True))
        t["suppliers"].replace(_parties(data, _rng(seed, "suppliers"), suppliers, customer=False))
        t["supplier_invoices"].replace(_supplier_invoices(data, _rng(seed, "supplier_invoices"), supplier_invoices))
        t["customer_invoices"].replace(_customer_invoices(data, _rng(seed, "customer_invoices"), customer_invoices))
        t["purchase_orders"].replace(_purchase_orders(data, _rng(seed, "purchase_orders"), purchase_orders))
        t["payments"].replace(_payments(data, _rng(seed, "payments"), payments))
        t["journal_transactions"].replace(_journal_transactions(data, _rng(seed, "journal"), journal_transactions))


def _rng(seed: int, stream: str) -> random.Random:
    return random.Random(f"{seed}:{stream}")


def _uuid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"


def _stamps(rng: random.Random, count: int) -> list[str]:
    step = SPAN / max(count, 1)
    return [stamp_of(BASE + i * step + rng.random() * step * 0.9) for i in range(count)]


def _day(stamp: str, plus_days: int = 0) -> str:
    if not plus_days:
        return stamp[:10] + "T00:00:00"
    moment = datetime.fromisoformat(stamp[:10]).timestamp() + plus_days * 86400
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT00:00:00")


def _period(stamp: str) -> str:
    return stamp[:4] + stamp[5:7]


def _dimensions(data: VismaData) -> None:
    rng = random.Random("visma-dimensions")
    origin = stamp_of(BASE - 90 * 86400)

    def public_id():
        return _uuid(rng)

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
                "length": length, "publicId": _uuid(rng), "timeStamp": data.row_version(), "lastModified": origin,
                "validate": True, "isAutoNumber": False, "consolNumChar": 0, "consolOrder": segment_id}
                for segment_id, (description, length) in segments.items()}}
        for segment_id in segments:
            data.segment_values[(dimension_id, segment_id)] = {
                value_id: {"internalId": data.next("internal_id", 100), "segmentId": segment_id, "valueId": value_id,
                           "description": text, "publicId": _uuid(rng), "active": True,
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


def _subaccounts(data: VismaData) -> list[dict]:
    stamp = stamp_of(BASE - 60 * 86400)
    records = []
    for department in SUBACCOUNT_SEGMENTS[1][2]:
        for cost_centre in list(SUBACCOUNT_SEGMENTS[2][2])[:3]:
            ref = subaccount_ref(data, f"{department}-{cost_centre}")
            ref["subaccountId"] = data.next("subaccount_id", 1)
            records.append(data.stamp({**ref, "lastModifiedDateTime": stamp}, stamp))
    return records


def _accounts(data: VismaData) -> list[dict]:
    stamp = stamp_of(BASE - 120 * 86400)
    return [data.stamp({
        "accountId": i, "accountCd": cd, "accountGroupCd": "BAL" if kind in ("Asset", "Liability") else "RES",
        "accountClass": cd[:2], "type": kind, "active": True, "description": description, "useDefaultSub": False,
        "postOption": "Summary" if cd in ("1910", "1930") else "Detail", "currency": "", "taxCategory": "",
        "cashAccount": cd in ("1910", "1930"), "publicCode1": cd, "controlAccountModule": "AP" if cd == "2440" else "",
        "allowManualEntry": cd != "2440",
    }, stamp) for i, (cd, description, kind) in enumerate(ACCOUNTS, start=1)]


def _employees(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    ref = data.reference
    departments, classes = list(ref["departments"]), list(ref["employee_classes"].items())
    branches = list(ref["branches"].items())
    firsts = [(f, f.translate(ASCII).lower()) for f in FIRST]
    lasts = [(n, n.translate(ASCII).lower()) for n in LAST]
    version, random_ = data.row_version, rng.random
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        employee_id = 1001 + i
        first, first_ascii = firsts[int(random_() * len(firsts))]
        last, last_ascii = lasts[int(random_() * len(lasts))]
        name = f"{first} {last}"
        login = f"{first_ascii}.{last_ascii}"
        email = f"{login}{employee_id}@example.no"
        postal_code, city, country = PLACES[int(random_() * len(PLACES))]
        department = departments[int(random_() * len(departments))]
        class_id, class_description = classes[int(random_() * len(classes))]
        branch_number, branch_name = branches[0] if random_() < 0.8 else branches[1]
        roll = random_()
        status = "Active" if roll < 0.85 else "Inactive" if roll < 0.93 else "OnHold" if roll < 0.98 else "HoldPayments"
        linked = random_() < 0.6
        records.append({
            "employeeUserId": _uuid(rng) if linked else ZERO_UUID,
            "employeeId": employee_id, "employeeNumber": f"E{employee_id}", "employeeName": name,
            "status": status, "department": department,
            "contact": {"employeeContact": name, "title": "Ms" if random_() < 0.5 else "Mr", "firstName": first,
                        "midName": "", "lastName": last, "name": name, "email": email,
                        "phone1": f"+47 9{int(random_() * 1e7):07d}", "phone2": "", "phone3": "", "fax": "",
                        "web": "", "attention": "", "contactId": 50_000 + employee_id},
            "address": {"addressId": 80_000 + employee_id,
                        "addressLine1": f"{STREETS[int(random_() * len(STREETS))]} {1 + int(random_() * 120)}",
                        "addressLine2": "", "addressLine3": "", "postalCode": postal_code, "city": city,
                        "country": {"id": country, "name": ref["countries"][country]}},
            "lastModifiedDateTime": stamp,
            "employeeClass": {"id": class_id, "description": class_description},
            "branch": {"number": branch_number, "name": branch_name},
            "calendarID": "MAIN", "employeeLogin": login if linked else "",
            "workGroupDescription": [ref["departments"][department]],
            "timeStamp": version(),
        })
    data.counters["employee_id"] = 1000 + count
    return records


def _address(data: VismaData, rng: random.Random, address_id: int) -> dict:
    postal_code, city, country = rng.choice(PLACES)
    return {"addressId": address_id, "addressLine1": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            "addressLine2": "", "addressLine3": "", "postalCode": postal_code, "city": city,
            "country": {"id": country, "name": data.reference["countries"][country]}}


def _parties(data: VismaData, rng: random.Random, count: int, *, customer: bool) -> list[dict]:
    ref, records = data.reference, []
    first_number = 10_001 if customer else 50_001
    for i, stamp in enumerate(_stamps(rng, count)):
        internal_id = data.next("internal_id", 100)
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        org = f"9{rng.randrange(10**7, 10**8)}"
        slug = name.split()[0].translate(ASCII).lower()
        record = {
            "internalId": internal_id, "number": str(first_number + i), "name": name,
            "status": "Active" if rng.random() < 0.9 else "Inactive",
            "mainAddress": _address(data, rng, 90_000 + internal_id),
            "mainContact": {"contactId": 60_000 + internal_id, "name": name, "attention": "",
                            "email": f"post@{slug}{i}.example.no", "web": f"https://{slug}.example.no",
                            "phone1": f"+47 2{rng.randrange(10**6, 10**7)}", "phone2": "", "fax": ""},
            "accountReference": "", "currencyId": "NOK" if rng.random() < 0.85 else "SEK",
            "creditTerms": {"id": "30", "description": ref["credit_terms"]["30"]},
            "vatRegistrationId": f"NO{org}MVA", "corporateId": org, "lastModifiedDateTime": stamp,
        }
        if customer:
            class_id = "DOM" if record["currencyId"] == "NOK" else "EXP"
            record.update({"customerClass": {"id": class_id, "description": ref["customer_classes"][class_id]},
                           "creditVerification": "Disabled", "creditLimit": 0.0, "creditDaysPastDue": 0,
                           "printInvoices": False, "sendInvoicesByEmail": True, "statementType": "OpenItem",
                           "createdDateTime": _day(stamp, -30)[:19] + ".000"})
        else:
            class_id = "DOM" if record["currencyId"] == "NOK" else "FOR"
            record.update({"supplierClass": {"id": class_id, "description": ref["supplier_classes"][class_id]},
                           "paymentMethod": {"id": "BANK", "description": ref["payment_methods"]["BANK"]},
                           "cashAccount": "1930", "paymentBy": "DueDate", "paymentLeadTime": 0,
                           "paySeparately": False})
        records.append(data.stamp(record, stamp))
    data.counters["customer_number" if customer else "supplier_number"] = first_number - 1 + count
    return records


def _party_refs(data: VismaData, table: str, fallback_first: int) -> list[dict]:
    parties = [{"number": r["number"], "name": r["name"], "internalId": r["internalId"]}
               for r in list(data.tables[table].rows.values())[:200]]
    return parties or [{"number": str(fallback_first), "name": "Unknown party AS", "internalId": 0}]


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def _account_ref(cd: str) -> dict:
    description, kind = next((d, k) for c, d, k in ACCOUNTS if c == cd)
    return {"type": kind, "number": cd, "description": description}


def _supplier_invoices(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    suppliers, vat = _party_refs(data, "suppliers", 50_001), data.reference["vat_codes"]
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        supplier = rng.choice(suppliers)
        lines = [{"lineNumber": n, "transactionDescription": rng.choice(["Office rent", "Consulting hours",
                                                                         "Software licence", "Travel"]),
                  "quantity": 1.0, "uom": "STK", "unitCostInCurrency": (cost := _money(rng, 500, 40_000)),
                  "costInCurrency": cost, "account": _account_ref(rng.choice(["5010", "7010"])),
                  "subaccount": subaccount_ref(data, rng.choice(subaccounts)),
                  "vatCode": {"id": "1", "description": vat["1"]}, "branchNumber": "1"}
                 for n in range(1, rng.randint(1, 3) + 1)]
        net = round(sum(line["costInCurrency"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Open", "Closed", "Balanced", "Hold"])
        records.append(data.stamp({
            "documentType": "Invoice" if rng.random() < 0.92 else "CreditAdj", "referenceNumber": f"{i + 1:06d}",
            "supplier": {"number": supplier["number"], "name": supplier["name"]}, "status": status,
            "hold": status == "Hold", "date": _day(stamp, -3), "dueDate": _day(stamp, 27),
            "financialPeriod": _period(stamp), "postPeriod": _period(stamp), "currencyId": "NOK",
            "detailTotalInCurrency": net, "vatTotalInCurrency": round(net * 0.25, 2),
            "balance": 0.0 if status == "Closed" else round(net * 1.25, 2),
            "supplierReference": f"INV-{rng.randrange(10**5, 10**6)}", "description": lines[0]["transactionDescription"],
            "approvalStatus": "ApprovedInApproval" if status != "Hold" else "SentToApproval",
            "creditTerms": {"id": "30", "description": data.reference["credit_terms"]["30"]},
            "invoiceLines": lines, "createdDateTime": _day(stamp, -3)[:19] + ".000",
        }, stamp))
    return records


def _customer_invoices(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    customers, vat = _party_refs(data, "customers", 10_001), data.reference["vat_codes"]
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        customer = rng.choice(customers)
        lines = []
        for n in range(1, rng.randint(1, 4) + 1):
            quantity, price = float(rng.randint(1, 20)), _money(rng, 100, 5_000)
            lines.append({"lineNumber": n, "description": rng.choice(["Consulting", "Support agreement", "Licence"]),
                          "quantity": quantity, "unitPriceInCurrency": price,
                          "amountInCurrency": round(quantity * price, 2), "account": _account_ref("3010"),
                          "subaccount": subaccount_ref(data, rng.choice(subaccounts)),
                          "vatCode": {"id": "3", "description": vat["3"]}, "uom": "STK"})
        net = round(sum(line["amountInCurrency"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Closed", "Balanced", "Hold"])
        records.append(data.stamp({
            "documentType": "Invoice" if rng.random() < 0.9 else "CreditNote", "referenceNumber": f"{i + 1:06d}",
            "customer": {"number": customer["number"], "name": customer["name"]}, "status": status,
            "hold": status == "Hold", "documentDate": _day(stamp, -1), "documentDueDate": _day(stamp, 13),
            "financialPeriod": _period(stamp), "postPeriod": _period(stamp), "currencyId": "NOK",
            "amount": round(net * 1.25, 2), "vatTotal": round(net * 0.25, 2),
            "balance": 0.0 if status == "Closed" else round(net * 1.25, 2),
            "creditTerms": {"id": "14", "description": data.reference["credit_terms"]["14"]},
            "customerRefNumber": f"PO-{rng.randrange(1000, 9999)}", "invoiceText": lines[0]["description"],
            "invoiceLines": lines, "createdDateTime": _day(stamp, -1)[:19] + ".000",
        }, stamp))
    return records


def _purchase_orders(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    suppliers = _party_refs(data, "suppliers", 50_001)
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        supplier, number = rng.choice(suppliers), f"{i + 1:06d}"
        lines = []
        for n in range(1, rng.randint(1, 3) + 1):
            quantity, cost = float(rng.randint(1, 50)), _money(rng, 50, 2_000)
            lines.append({"lineNbr": n, "lineType": "NonStock", "branch": {"number": "1", "name": "Hovedkontor Oslo"},
                          "inventory": {"number": f"ITEM{rng.randint(1, 40):03d}", "description": "Office supplies"},
                          "lineDescription": "Office supplies", "uom": "STK", "orderQty": quantity,
                          "unitCost": cost, "extCost": round(quantity * cost, 2), "amount": round(quantity * cost, 2),
                          "account": _account_ref("5010"), "sub": subaccount_ref(data, rng.choice(subaccounts)),
                          "promised": _day(stamp, 14), "completed": False, "canceled": False,
                          "orderType": "RegularOrder", "orderNumber": number})
        total = round(sum(line["amount"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Closed", "Hold", "Balanced"])
        records.append(data.stamp({
            "orderType": "RegularOrder", "orderNbr": number, "status": status, "hold": status == "Hold",
            "date": _day(stamp, -2), "promisedOn": _day(stamp, 14), "description": "Office supplies",
            "supplier": {"internalId": supplier["internalId"], "number": supplier["number"], "name": supplier["name"]},
            "location": {"id": 1, "name": "Main location"}, "currency": "NOK", "lineTotal": total,
            "taxTotal": round(total * 0.25, 2), "orderTotal": round(total * 1.25, 2),
            "branch": {"number": "1", "name": "Hovedkontor Oslo"}, "lines": lines, "purchaseReceipts": [],
        }, stamp))
    return records


def _payments(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    customers = _party_refs(data, "customers", 10_001)
    invoices = list(data.tables["customer_invoices"].rows.values())[:500]
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        invoice = rng.choice(invoices) if invoices else None
        customer = invoice["customer"] if invoice else rng.choice(customers)
        amount = invoice["amount"] if invoice else _money(rng, 1_000, 50_000)
        lines = [{"documentType": "Invoice", "refNbr": invoice["referenceNumber"], "amountPaid": amount,
                  "date": invoice["documentDate"], "dueDate": invoice["documentDueDate"], "balance": 0.0,
                  "description": invoice["invoiceText"], "currency": "NOK",
                  "postPeriod": invoice["financialPeriod"]}] if invoice else []
        records.append(data.stamp({
            "type": "Payment", "refNbr": f"{i + 1:06d}", "status": rng.choice(["Closed", "Closed", "Open", "Balanced"]),
            "hold": False, "applicationDate": _day(stamp), "applicationPeriod": _period(stamp),
            "paymentRef": f"KID{rng.randrange(10**8, 10**9)}",
            "customer": {"number": customer["number"], "name": customer["name"]},
            "paymentMethod": {"id": "BANK", "description": data.reference["payment_methods"]["BANK"]},
            "cashAccount": "1930", "currency": "NOK", "paymentAmount": amount, "invoiceText": "Innbetaling",
            "appliedToDocuments": amount if lines else 0.0, "availableBalance": 0.0 if lines else amount,
            "branch": "1", "paymentLines": lines,
        }, stamp))
    return records


def _journal_transactions(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(_stamps(rng, count)):
        amount = _money(rng, 1_000, 90_000)
        pairs = [("7010", amount, 0.0), ("1930", 0.0, amount)] if rng.random() < 0.5 else \
                [("5010", amount, 0.0), ("2440", 0.0, amount)]
        lines = [{"lineNumber": n, "accountNumber": account, "subaccount": subaccount_ref(data, rng.choice(subaccounts)),
                  "description": "Salaries" if account in ("7010", "1930") else "Rent",
                  "referenceNumber": f"REF{i + 1:05d}", "debitAmount": debit, "debitAmountInCurrency": debit,
                  "creditAmount": credit, "creditAmountInCurrency": credit,
                  "transactionDescription": "Salaries" if account in ("7010", "1930") else "Rent", "branch": "1"}
                 for n, (account, debit, credit) in enumerate(pairs, start=1)]
        records.append(data.stamp({
            "module": "ModuleGL", "batchNumber": f"{i + 1:06d}", "status": rng.choice(["Posted", "Posted", "Balanced"]),
            "hold": False, "transactionDate": _day(stamp), "postPeriod": _period(stamp),
            "financialPeriod": _period(stamp), "ledger": "ACTUAL", "ledgerDescription": "Actual ledger",
            "currencyId": "NOK", "description": lines[0]["description"], "branch": "1", "debitTotal": amount,
            "debitTotalInCurrency": amount, "creditTotal": amount, "creditTotalInCurrency": amount,
            "journalTransactionLines": lines,
        }, stamp))
    data.counters["batch_number"] = count
    return records
