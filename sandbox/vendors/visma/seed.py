"""Deterministic, realistic data for the Visma sandbox, with the contract's DTO field names (docs/vendors/visma.md §4).

`seed()` replaces everything the company holds. Each resource draws from its own
random stream (seed + resource name), so asking for more customers does not
change the employees. Records are plain dicts built in one pass: 100k employees
take well under a second or two. The master data (employees, customers,
suppliers) is generated here; the fixed setup (reference lists, accounts,
dimensions, subaccounts) is company.py and the documents seed_documents.py.
"""
from __future__ import annotations

import copy
import gc
import random

from sandbox.vendors.visma import company
from sandbox.vendors.visma import seed_documents as documents
from sandbox.vendors.visma.company import day_of, history_stamps, uuid_from
from sandbox.vendors.visma.contract import ZERO_UUID
from sandbox.vendors.visma.periods import seed_periods
from sandbox.vendors.visma.store import VismaData

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
        data.reference = copy.deepcopy(company.REFERENCE)
        seed_periods(data)
        company.seed_dimensions(data)
        t = data.tables
        t["accounts"].replace(company.account_records(data))
        t["subaccounts"].replace(company.subaccount_records(data))
        t["employees"].replace(_employees(data, _rng(seed, "employees"), employees))
        t["customers"].replace(_parties(data, _rng(seed, "customers"), customers, customer=True))
        t["suppliers"].replace(_parties(data, _rng(seed, "suppliers"), suppliers, customer=False))
        t["supplier_invoices"].replace(
            documents.supplier_invoices(data, _rng(seed, "supplier_invoices"), supplier_invoices))
        t["customer_invoices"].replace(
            documents.customer_invoices(data, _rng(seed, "customer_invoices"), customer_invoices))
        t["purchase_orders"].replace(documents.purchase_orders(data, _rng(seed, "purchase_orders"), purchase_orders))
        t["payments"].replace(documents.payments(data, _rng(seed, "payments"), payments))
        t["journal_transactions"].replace(
            documents.journal_transactions(data, _rng(seed, "journal"), journal_transactions))


def _rng(seed: int, stream: str) -> random.Random:
    return random.Random(f"{seed}:{stream}")

def _employees(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    ref = data.reference
    departments, classes = list(ref["departments"]), list(ref["employee_classes"].items())
    branches = list(ref["branches"].items())
    firsts = [(f, f.translate(ASCII).lower()) for f in FIRST]
    lasts = [(n, n.translate(ASCII).lower()) for n in LAST]
    version, random_ = data.row_version, rng.random
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
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
            "employeeUserId": uuid_from(rng) if linked else ZERO_UUID,
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
    for i, stamp in enumerate(history_stamps(rng, count)):
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
                           "createdDateTime": day_of(stamp, -30)[:19] + ".000"})
        else:
            class_id = "DOM" if record["currencyId"] == "NOK" else "FOR"
            record.update({"supplierClass": {"id": class_id, "description": ref["supplier_classes"][class_id]},
                           "paymentMethod": {"id": "BANK", "description": ref["payment_methods"]["BANK"]},
                           "cashAccount": "1930", "paymentBy": "DueDate", "paymentLeadTime": 0,
                           "paySeparately": False})
        records.append(data.stamp(record, stamp))
    data.counters["customer_number" if customer else "supplier_number"] = first_number - 1 + count
    return records
