"""Create and update rules of the Visma sandbox's master data, per entity (docs/vendors/visma.md §4 Writes),
and the registry of every entity's rules.

Each function takes already unwrapped fields (store.unwrap), validates them the
way Visma does (400 IPPException on anything it would refuse) and returns a new
record; callers store it. Updates get a deep copy of the current record.
Employees, customers and suppliers are here; the ledger's writes (subaccounts,
journal transactions, dimension segments) are in ledger_writes.py and the AP
documents' in document_writes.py.
"""
from __future__ import annotations

from sandbox.vendors.visma.contract import ZERO_UUID
from sandbox.vendors.visma.document_writes import purchase_order_update, supplier_invoice_update
from sandbox.vendors.visma.ledger_writes import (
    journal_transaction_create,
    journal_transaction_update,
    subaccount_create,
    subaccount_update,
)
from sandbox.vendors.visma.store import Invalid, VismaData
from sandbox.vendors.visma.write_fields import (
    apply_address,
    apply_contact,
    as_amount,
    as_object,
    as_reference,
    as_text,
)

EMPLOYEE_CREATE_REQUIRED = ("employeeCd", "department", "employeeClass", "branch", "calendar", "contact")
# EmployeeCreateDTO/EmployeeUpdateDto take "Hold" where EmployeeDto reads "OnHold" (SLICE).
EMPLOYEE_STATUSES = {"Active": "Active", "Hold": "OnHold", "OnHold": "OnHold", "HoldPayments": "HoldPayments",
                     "Inactive": "Inactive", "OneTime": "OneTime"}
CUSTOMER_STATUSES = {"Active", "OnHold", "CreditHold", "Inactive", "OneTime"}
SUPPLIER_STATUSES = {"Active", "OnHold", "HoldPayments", "Inactive", "OneTime"}


# --- employee (EmployeeCreateDTO / EmployeeUpdateDto) -----------------------------------------------
def employee_create(data: VismaData, fields: dict, now: str) -> dict:
    missing = [k for k in EMPLOYEE_CREATE_REQUIRED if fields.get(k) in (None, "")]
    if missing:
        raise Invalid(f"EmployeeCreateDTO is missing required field(s): {', '.join(missing)}.")
    contact = as_object(fields["contact"], "contact")
    missing = [f"contact.{k}" for k in ("lastName", "email") if not contact.get(k)]
    if missing:
        raise Invalid(f"EmployeeCreateDTO is missing required field(s): {', '.join(missing)}.")
    employee_cd = as_text(fields["employeeCd"], "employeeCd").strip()
    if not employee_cd.isdigit():  # UNCONFIRMED employee_cd_numeric
        raise Invalid(f"employeeCd '{employee_cd}' is not valid: the EMPLOYEE segmented key of this company is numeric.")
    if data.tables["employees"].get(str(int(employee_cd))):
        raise Invalid(f"An employee with employeeCd {employee_cd} already exists.")
    record = {"employeeUserId": ZERO_UUID, "employeeId": int(employee_cd), "employeeNumber": employee_cd,
              "employeeName": "", "status": "Active", "department": "",
              "contact": {"contactId": data.next("contact_id", 900_000)},
              "address": {"addressId": data.next("address_id", 900_000)},
              "calendarID": "", "employeeLogin": "", "workGroupDescription": []}
    return data.stamp(_apply_employee(data, record, fields), now)


def employee_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    # SLICE marks EmployeeUpdateDto's contact as required, but CONTRACT §4 Writes is the source of truth:
    # omitted fields are left unchanged, so a PUT carrying only the field to change is a valid update.
    return data.stamp(_apply_employee(data, record, fields), now)


def _apply_employee(data: VismaData, record: dict, fields: dict) -> dict:
    if "department" in fields:
        record["department"], description = as_reference(data, "departments", fields["department"], "Department")
        record["workGroupDescription"] = [description]
    if "employeeClass" in fields:
        class_id, description = as_reference(data, "employee_classes", fields["employeeClass"], "Employee class")
        record["employeeClass"] = {"id": class_id, "description": description}
    if "branch" in fields:
        number, name = as_reference(data, "branches", fields["branch"], "Branch")
        record["branch"] = {"number": number, "name": name}
    if "calendar" in fields:
        record["calendarID"], _ = as_reference(data, "calendars", fields["calendar"], "Calendar")
    if "status" in fields:
        status = as_text(fields["status"], "status")
        if status not in EMPLOYEE_STATUSES:
            raise Invalid(f"status '{status}' is not one of Active, Hold, HoldPayments, Inactive, OneTime.")
        record["status"] = EMPLOYEE_STATUSES[status]
    if "subaccount" in fields:  # UNCONFIRMED employee_cost_allocation
        allocation = {item["segmentId"]: item for item in record.get("subaccount") or []}
        for item in fields["subaccount"] or []:
            try:
                segment_id = int(item.get("segmentId"))
            except (TypeError, ValueError, AttributeError):
                raise Invalid("subaccount: segmentId must be a segment number.") from None
            value_id = as_text(item.get("segmentValue"), "subaccount")
            value = data.values_of("SUBACCOUNT", segment_id).get(value_id)
            if value is None:
                raise Invalid(f"'{value_id}' is not a value of SUBACCOUNT segment {segment_id}.")
            allocation[segment_id] = {"segmentId": segment_id, "segmentValue": value_id,
                                      "segmentValueDescription": value["description"]}
        record["subaccount"] = [allocation[k] for k in sorted(allocation)]
    if "location" in fields:  # UNCONFIRMED employee_location
        key = as_text(fields["location"], "location")
        value = data.values_of("LOCATION", 1).get(key)
        if value is None:
            raise Invalid(f"Location '{key}' does not exist in dimension LOCATION.")
        record["location"] = {"id": key, "description": value["description"]}
    if "contact" in fields:
        apply_contact(record["contact"], as_object(fields["contact"], "contact"), employee=True)
        record["employeeName"] = record["contact"]["name"]
    if "address" in fields:
        apply_address(data, record["address"], fields["address"], "address")
    return record


# --- customer / supplier (CustomerUpdateDto / SupplierUpdateDto) -------------------------------------
def customer_create(data: VismaData, fields: dict, now: str) -> dict:
    return _party_create(data, fields, now, customer=True)


def supplier_create(data: VismaData, fields: dict, now: str) -> dict:
    return _party_create(data, fields, now, customer=False)


def customer_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    return data.stamp(_apply_party(data, record, fields, customer=True), now)


def supplier_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    return data.stamp(_apply_party(data, record, fields, customer=False), now)


def _party_create(data: VismaData, fields: dict, now: str, *, customer: bool) -> dict:
    if not fields.get("name"):
        raise Invalid("name is required.")
    table = data.tables["customers" if customer else "suppliers"]
    number = as_text(fields.get("number"), "number").strip()
    if not number:  # auto-numbering, as the ERP's numbering sequence does
        counter, start = ("customer_number", 10_001) if customer else ("supplier_number", 50_001)
        number = str(data.next(counter, start))
        while table.get(number):
            number = str(data.next(counter, start))
    elif table.get(number):
        raise Invalid(f"A {'customer' if customer else 'supplier'} with number {number} already exists.")
    internal_id = data.next("internal_id", 100)
    record = {"internalId": internal_id, "number": number, "name": "", "status": "Active",
              "mainAddress": {"addressId": data.next("address_id", 900_000)},
              "mainContact": {"contactId": data.next("contact_id", 900_000)},
              "accountReference": "", "currencyId": "NOK", "vatRegistrationId": "", "corporateId": ""}
    if customer:
        record["createdDateTime"] = now
    return data.stamp(_apply_party(data, record, fields, customer=customer), now)


def _apply_party(data: VismaData, record: dict, fields: dict, *, customer: bool) -> dict:
    for key in ("name", "currencyId", "vatRegistrationId", "corporateId", "accountReference"):
        if key in fields:
            record[key] = as_text(fields[key], key)
    if "name" in fields and not record["name"]:
        raise Invalid("name cannot be empty.")
    if "status" in fields:
        status, allowed = as_text(fields["status"], "status"), CUSTOMER_STATUSES if customer else SUPPLIER_STATUSES
        if status not in allowed:
            raise Invalid(f"status '{status}' is not one of {', '.join(sorted(allowed))}.")
        record["status"] = status
    class_field, class_kind, class_key = ("customerClassId", "customer_classes", "customerClass") if customer \
        else ("supplierClassId", "supplier_classes", "supplierClass")
    if class_field in fields:
        class_id, description = as_reference(data, class_kind, fields[class_field], class_field)
        record[class_key] = {"id": class_id, "description": description}
    if "creditTermsId" in fields:
        terms, description = as_reference(data, "credit_terms", fields["creditTermsId"], "creditTermsId")
        record["creditTerms"] = {"id": terms, "description": description}
    if customer and "creditLimit" in fields:
        record["creditLimit"] = as_amount(fields["creditLimit"], "creditLimit")
    if "mainAddress" in fields:
        apply_address(data, record["mainAddress"], fields["mainAddress"], "mainAddress")
    if "mainContact" in fields:
        apply_contact(record["mainContact"], as_object(fields["mainContact"], "mainContact"), employee=False)
    return record


CREATORS = {"employee": employee_create, "customer": customer_create, "supplier": supplier_create,
            "subaccount": subaccount_create, "journaltransaction": journal_transaction_create}
UPDATERS = {"employee": employee_update, "customer": customer_update, "supplier": supplier_update,
            "subaccount": subaccount_update, "journaltransaction": journal_transaction_update,
            "supplierInvoice": supplier_invoice_update, "purchaseorder": purchase_order_update}
