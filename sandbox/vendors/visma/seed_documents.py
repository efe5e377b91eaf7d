"""The documents of the seeded Visma company: supplier and customer invoices, purchase orders, payments and
journal transactions, with the contract's DTO field names (docs/vendors/visma.md §4).

Each generator draws from its own random stream (seed.py hands it one) and refers to the parties and
subaccounts already seeded, so seed.py calls these after the master data. Dates fall in the company's
seeded history (company.py).
"""
from __future__ import annotations

import random

from sandbox.vendors.visma.company import account_ref, day_of, history_stamps, period_of, subaccount_ref
from sandbox.vendors.visma.store import VismaData


def _party_refs(data: VismaData, table: str, fallback_first: int) -> list[dict]:
    parties = [{"number": r["number"], "name": r["name"], "internalId": r["internalId"]}
               for r in list(data.tables[table].rows.values())[:200]]
    return parties or [{"number": str(fallback_first), "name": "Unknown party AS", "internalId": 0}]


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def supplier_invoices(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    suppliers, vat = _party_refs(data, "suppliers", 50_001), data.reference["vat_codes"]
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
        supplier = rng.choice(suppliers)
        lines = [{"lineNumber": n, "transactionDescription": rng.choice(["Office rent", "Consulting hours",
                                                                         "Software licence", "Travel"]),
                  "quantity": 1.0, "uom": "STK", "unitCostInCurrency": (cost := _money(rng, 500, 40_000)),
                  "costInCurrency": cost, "account": account_ref(rng.choice(["5010", "7010"])),
                  "subaccount": subaccount_ref(data, rng.choice(subaccounts)),
                  "vatCode": {"id": "1", "description": vat["1"]}, "branchNumber": "1"}
                 for n in range(1, rng.randint(1, 3) + 1)]
        net = round(sum(line["costInCurrency"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Open", "Closed", "Balanced", "Hold"])
        records.append(data.stamp({
            "documentType": "Invoice" if rng.random() < 0.92 else "CreditAdj", "referenceNumber": f"{i + 1:06d}",
            "supplier": {"number": supplier["number"], "name": supplier["name"]}, "status": status,
            "hold": status == "Hold", "date": day_of(stamp, -3), "dueDate": day_of(stamp, 27),
            "financialPeriod": period_of(stamp), "postPeriod": period_of(stamp), "currencyId": "NOK",
            "detailTotalInCurrency": net, "vatTotalInCurrency": round(net * 0.25, 2),
            "balance": 0.0 if status == "Closed" else round(net * 1.25, 2),
            "supplierReference": f"INV-{rng.randrange(10**5, 10**6)}", "description": lines[0]["transactionDescription"],
            "approvalStatus": "ApprovedInApproval" if status != "Hold" else "SentToApproval",
            "creditTerms": {"id": "30", "description": data.reference["credit_terms"]["30"]},
            "invoiceLines": lines, "createdDateTime": day_of(stamp, -3)[:19] + ".000",
        }, stamp))
    return records


def customer_invoices(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    customers, vat = _party_refs(data, "customers", 10_001), data.reference["vat_codes"]
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
        customer = rng.choice(customers)
        lines = []
        for n in range(1, rng.randint(1, 4) + 1):
            quantity, price = float(rng.randint(1, 20)), _money(rng, 100, 5_000)
            lines.append({"lineNumber": n, "description": rng.choice(["Consulting", "Support agreement", "Licence"]),
                          "quantity": quantity, "unitPriceInCurrency": price,
                          "amountInCurrency": round(quantity * price, 2), "account": account_ref("3010"),
                          "subaccount": subaccount_ref(data, rng.choice(subaccounts)),
                          "vatCode": {"id": "3", "description": vat["3"]}, "uom": "STK"})
        net = round(sum(line["amountInCurrency"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Closed", "Balanced", "Hold"])
        records.append(data.stamp({
            "documentType": "Invoice" if rng.random() < 0.9 else "CreditNote", "referenceNumber": f"{i + 1:06d}",
            "customer": {"number": customer["number"], "name": customer["name"]}, "status": status,
            "hold": status == "Hold", "documentDate": day_of(stamp, -1), "documentDueDate": day_of(stamp, 13),
            "financialPeriod": period_of(stamp), "postPeriod": period_of(stamp), "currencyId": "NOK",
            "amount": round(net * 1.25, 2), "vatTotal": round(net * 0.25, 2),
            "balance": 0.0 if status == "Closed" else round(net * 1.25, 2),
            "creditTerms": {"id": "14", "description": data.reference["credit_terms"]["14"]},
            "customerRefNumber": f"PO-{rng.randrange(1000, 9999)}", "invoiceText": lines[0]["description"],
            "invoiceLines": lines, "createdDateTime": day_of(stamp, -1)[:19] + ".000",
        }, stamp))
    return records


def purchase_orders(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    suppliers = _party_refs(data, "suppliers", 50_001)
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
        supplier, number = rng.choice(suppliers), f"{i + 1:06d}"
        lines = []
        for n in range(1, rng.randint(1, 3) + 1):
            quantity, cost = float(rng.randint(1, 50)), _money(rng, 50, 2_000)
            lines.append({"lineNbr": n, "lineType": "NonStock", "branch": {"number": "1", "name": "Hovedkontor Oslo"},
                          "inventory": {"number": f"ITEM{rng.randint(1, 40):03d}", "description": "Office supplies"},
                          "lineDescription": "Office supplies", "uom": "STK", "orderQty": quantity,
                          "unitCost": cost, "extCost": round(quantity * cost, 2), "amount": round(quantity * cost, 2),
                          "account": account_ref("5010"), "sub": subaccount_ref(data, rng.choice(subaccounts)),
                          "promised": day_of(stamp, 14), "completed": False, "canceled": False,
                          "orderType": "RegularOrder", "orderNumber": number})
        total = round(sum(line["amount"] for line in lines), 2)
        status = rng.choice(["Open", "Open", "Closed", "Hold", "Balanced"])
        records.append(data.stamp({
            "orderType": "RegularOrder", "orderNbr": number, "status": status, "hold": status == "Hold",
            "date": day_of(stamp, -2), "promisedOn": day_of(stamp, 14), "description": "Office supplies",
            "supplier": {"internalId": supplier["internalId"], "number": supplier["number"], "name": supplier["name"]},
            "location": {"id": 1, "name": "Main location"}, "currency": "NOK", "lineTotal": total,
            "taxTotal": round(total * 0.25, 2), "orderTotal": round(total * 1.25, 2),
            "branch": {"number": "1", "name": "Hovedkontor Oslo"}, "lines": lines, "purchaseReceipts": [],
        }, stamp))
    return records


def payments(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    customers = _party_refs(data, "customers", 10_001)
    invoices = list(data.tables["customer_invoices"].rows.values())[:500]
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
        invoice = rng.choice(invoices) if invoices else None
        customer = invoice["customer"] if invoice else rng.choice(customers)
        amount = invoice["amount"] if invoice else _money(rng, 1_000, 50_000)
        lines = [{"documentType": "Invoice", "refNbr": invoice["referenceNumber"], "amountPaid": amount,
                  "date": invoice["documentDate"], "dueDate": invoice["documentDueDate"], "balance": 0.0,
                  "description": invoice["invoiceText"], "currency": "NOK",
                  "postPeriod": invoice["financialPeriod"]}] if invoice else []
        records.append(data.stamp({
            "type": "Payment", "refNbr": f"{i + 1:06d}", "status": rng.choice(["Closed", "Closed", "Open", "Balanced"]),
            "hold": False, "applicationDate": day_of(stamp), "applicationPeriod": period_of(stamp),
            "paymentRef": f"KID{rng.randrange(10**8, 10**9)}",
            "customer": {"number": customer["number"], "name": customer["name"]},
            "paymentMethod": {"id": "BANK", "description": data.reference["payment_methods"]["BANK"]},
            "cashAccount": "1930", "currency": "NOK", "paymentAmount": amount, "invoiceText": "Innbetaling",
            "appliedToDocuments": amount if lines else 0.0, "availableBalance": 0.0 if lines else amount,
            "branch": "1", "paymentLines": lines,
        }, stamp))
    return records


def journal_transactions(data: VismaData, rng: random.Random, count: int) -> list[dict]:
    subaccounts = list(data.tables["subaccounts"].rows)
    records = []
    for i, stamp in enumerate(history_stamps(rng, count)):
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
            "hold": False, "transactionDate": day_of(stamp), "postPeriod": period_of(stamp),
            "financialPeriod": period_of(stamp), "ledger": "ACTUAL", "ledgerDescription": "Actual ledger",
            "currencyId": "NOK", "description": lines[0]["description"], "branch": "1", "debitTotal": amount,
            "debitTotalInCurrency": amount, "creditTotal": amount, "creditTotalInCurrency": amount,
            "journalTransactionLines": lines,
        }, stamp))
    data.counters["batch_number"] = count
    return records
