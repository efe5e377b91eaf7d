"""Create and update rules of the Visma sandbox, per entity (docs/vendors/visma.md §4 Writes).

Each function takes already unwrapped fields (store.unwrap), validates them the
way Visma does (400 IPPException on anything it would refuse) and returns a new
record; callers store it. Updates get a deep copy of the current record.
"""
from __future__ import annotations

from sandbox.vendors.visma.contract import ZERO_UUID
from sandbox.vendors.visma.seed import subaccount_ref
from sandbox.vendors.visma.periods import postable
from sandbox.vendors.visma.store import Invalid, VismaData, parse_stamp

EMPLOYEE_CREATE_REQUIRED = ("employeeCd", "department", "employeeClass", "branch", "calendar", "contact")
# EmployeeCreateDTO/EmployeeUpdateDto take "Hold" where EmployeeDto reads "OnHold" (SLICE).
EMPLOYEE_STATUSES = {"Active": "Active", "Hold": "OnHold", "OnHold": "OnHold", "HoldPayments": "HoldPayments",
                     "Inactive": "Inactive", "OneTime": "OneTime"}
CUSTOMER_STATUSES = {"Active", "OnHold", "CreditHold", "Inactive", "OneTime"}
SUPPLIER_STATUSES = {"Active", "OnHold", "HoldPayments", "Inactive", "OneTime"}
LINE_OPERATIONS = ("Insert", "Update", "Delete")


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise Invalid(f"{name} must be a text value.")
    return str(value)


def _object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"{name} must be an object.")
    return value


def _reference(data: VismaData, kind: str, value, label: str) -> tuple[str, str]:
    key = _text(value, label)
    table = data.reference[kind]
    if not key:
        raise Invalid(f"{label} cannot be empty.")
    if key not in table:
        raise Invalid(f"{label} '{key}' does not exist.")
    return key, table[key]


def _amount(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{name} must be a number.")
    return round(float(value), 2)


def _apply_contact(contact: dict, fields: dict, *, employee: bool) -> None:
    names = {"middleName": "midName"} if employee else {}
    allowed = ("firstName", "lastName", "middleName", "email", "phone1", "phone2", "phone3", "fax") if employee \
        else ("name", "attention", "email", "web", "phone1", "phone2", "fax")
    for key in allowed:
        if key in fields:
            contact[names.get(key, key)] = _text(fields[key], f"contact.{key}")
    email = contact.get("email", "")
    if email and "@" not in email:
        raise Invalid(f"contact.email '{email}' is not a valid e-mail address.")
    if employee:
        if "lastName" in fields and not contact.get("lastName"):
            raise Invalid("contact.lastName cannot be empty.")
        contact["name"] = " ".join(p for p in (contact.get("firstName"), contact.get("midName"),
                                               contact.get("lastName")) if p)
        contact["employeeContact"] = contact["name"]


def _apply_address(data: VismaData, address: dict, fields: dict, name: str) -> None:
    fields = _object(fields, name)
    for key in ("addressLine1", "addressLine2", "addressLine3", "postalCode", "city"):
        if key in fields:
            address[key] = _text(fields[key], f"{name}.{key}")
    if "countryId" in fields:
        country, country_name = _reference(data, "countries", fields["countryId"], f"{name}.countryId")
        address["country"] = {"id": country, "name": country_name}
    if "county" in fields:
        county = _text(fields["county"], f"{name}.county")
        address["county"] = {"id": county, "name": county}


# --- employee (EmployeeCreateDTO / EmployeeUpdateDto) -----------------------------------------------
def employee_create(data: VismaData, fields: dict, now: str) -> dict:
    missing = [k for k in EMPLOYEE_CREATE_REQUIRED if fields.get(k) in (None, "")]
    if missing:
        raise Invalid(f"EmployeeCreateDTO is missing required field(s): {', '.join(missing)}.")
    contact = _object(fields["contact"], "contact")
    missing = [f"contact.{k}" for k in ("lastName", "email") if not contact.get(k)]
    if missing:
        raise Invalid(f"EmployeeCreateDTO is missing required field(s): {', '.join(missing)}.")
    employee_cd = _text(fields["employeeCd"], "employeeCd").strip()
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
        record["department"], description = _reference(data, "departments", fields["department"], "Department")
        record["workGroupDescription"] = [description]
    if "employeeClass" in fields:
        class_id, description = _reference(data, "employee_classes", fields["employeeClass"], "Employee class")
        record["employeeClass"] = {"id": class_id, "description": description}
    if "branch" in fields:
        number, name = _reference(data, "branches", fields["branch"], "Branch")
        record["branch"] = {"number": number, "name": name}
    if "calendar" in fields:
        record["calendarID"], _ = _reference(data, "calendars", fields["calendar"], "Calendar")
    if "status" in fields:
        status = _text(fields["status"], "status")
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
            value_id = _text(item.get("segmentValue"), "subaccount")
            value = data.values_of("SUBACCOUNT", segment_id).get(value_id)
            if value is None:
                raise Invalid(f"'{value_id}' is not a value of SUBACCOUNT segment {segment_id}.")
            allocation[segment_id] = {"segmentId": segment_id, "segmentValue": value_id,
                                      "segmentValueDescription": value["description"]}
        record["subaccount"] = [allocation[k] for k in sorted(allocation)]
    if "location" in fields:  # UNCONFIRMED employee_location
        key = _text(fields["location"], "location")
        value = data.values_of("LOCATION", 1).get(key)
        if value is None:
            raise Invalid(f"Location '{key}' does not exist in dimension LOCATION.")
        record["location"] = {"id": key, "description": value["description"]}
    if "contact" in fields:
        _apply_contact(record["contact"], _object(fields["contact"], "contact"), employee=True)
        record["employeeName"] = record["contact"]["name"]
    if "address" in fields:
        _apply_address(data, record["address"], fields["address"], "address")
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
    number = _text(fields.get("number"), "number").strip()
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
            record[key] = _text(fields[key], key)
    if "name" in fields and not record["name"]:
        raise Invalid("name cannot be empty.")
    if "status" in fields:
        status, allowed = _text(fields["status"], "status"), CUSTOMER_STATUSES if customer else SUPPLIER_STATUSES
        if status not in allowed:
            raise Invalid(f"status '{status}' is not one of {', '.join(sorted(allowed))}.")
        record["status"] = status
    class_field, class_kind, class_key = ("customerClassId", "customer_classes", "customerClass") if customer \
        else ("supplierClassId", "supplier_classes", "supplierClass")
    if class_field in fields:
        class_id, description = _reference(data, class_kind, fields[class_field], class_field)
        record[class_key] = {"id": class_id, "description": description}
    if "creditTermsId" in fields:
        terms, description = _reference(data, "credit_terms", fields["creditTermsId"], "creditTermsId")
        record["creditTerms"] = {"id": terms, "description": description}
    if customer and "creditLimit" in fields:
        record["creditLimit"] = _amount(fields["creditLimit"], "creditLimit")
    if "mainAddress" in fields:
        _apply_address(data, record["mainAddress"], fields["mainAddress"], "mainAddress")
    if "mainContact" in fields:
        _apply_contact(record["mainContact"], _object(fields["mainContact"], "mainContact"), employee=False)
    return record


# --- subaccount (SubAccountUpdateDto) -----------------------------------------------------------------
def subaccount_create(data: VismaData, fields: dict, now: str) -> dict:
    number = _text(fields.get("subaccountNumber"), "subaccountNumber").strip()
    if not number:
        raise Invalid("subaccountNumber is required.")
    segments = data.dimensions["SUBACCOUNT"]["segments"]
    parts = number.split("-")  # UNCONFIRMED subaccount_number_format
    if len(parts) != len(segments):
        raise Invalid(f"subaccountNumber '{number}' must have {len(segments)} segments separated by '-'.")
    for segment_id, part in enumerate(parts, start=1):
        value = data.values_of("SUBACCOUNT", segment_id).get(part)
        if value is None or not value["active"]:
            raise Invalid(f"'{part}' is not an active value of SUBACCOUNT segment {segment_id} "
                          f"({segments[segment_id]['description']}).")
    if data.tables["subaccounts"].get(number):
        raise Invalid(f"Subaccount {number} already exists.")
    record = {**subaccount_ref(data, number), "subaccountId": data.next("subaccount_id", 1)}
    return data.stamp(_apply_subaccount(record, fields), now)


def subaccount_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    return data.stamp(_apply_subaccount(record, fields), now)


def _apply_subaccount(record: dict, fields: dict) -> dict:
    if "description" in fields:
        record["description"] = _text(fields["description"], "description")
    if "active" in fields:
        if not isinstance(fields["active"], bool):
            raise Invalid("active must be true or false.")
        record["active"] = fields["active"]
    return record


# --- journal transaction v2 (JournalTransactionUpdateDto) ---------------------------------------------
def journal_transaction_create(data: VismaData, fields: dict, now: str) -> dict:
    if not fields.get("journalTransactionLines"):
        raise Invalid("A journal transaction needs at least one line in journalTransactionLines.")
    record = {"module": "ModuleGL", "batchNumber": f"{data.next('batch_number'):06d}", "status": "Balanced",
              "hold": False, "transactionDate": now[:10] + "T00:00:00", "ledger": "ACTUAL",
              "ledgerDescription": "Actual ledger", "currencyId": "NOK", "description": "", "branch": "1",
              "journalTransactionLines": []}
    record = _apply_journal(data, record, fields, creating=True)
    postable(data, record["financialPeriod"])
    return data.stamp(record, now)


def journal_transaction_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    if record["status"] in ("Posted", "Released", "Completed", "Voided"):
        raise Invalid(f"Journal transaction {record['batchNumber']} is {record['status']} and cannot be changed.")
    return data.stamp(_apply_journal(data, record, fields, creating=False), now)


def _apply_journal(data: VismaData, record: dict, fields: dict, *, creating: bool) -> dict:
    for key in ("description", "currencyId", "branch"):
        if key in fields:
            record[key] = _text(fields[key], key)
    if "hold" in fields:
        record["hold"] = bool(fields["hold"])
    if "transactionDate" in fields:
        record["transactionDate"] = parse_stamp(_text(fields["transactionDate"], "transactionDate")[:19],
                                                "transactionDate")[:10] + "T00:00:00"
    period = record["transactionDate"][:4] + record["transactionDate"][5:7]
    record["financialPeriod"] = _text(fields.get("financialPeriod"), "financialPeriod") or \
        (period if creating or "transactionDate" in fields else record["financialPeriod"])
    record["postPeriod"] = _text(fields.get("postPeriod"), "postPeriod") or record["financialPeriod"]
    lines = {line["lineNumber"]: line for line in record["journalTransactionLines"]}
    for index, line_fields in enumerate(fields.get("journalTransactionLines") or []):
        where = f"journalTransactionLines[{index}]"
        operation = line_fields.get("operation") or ("Insert" if creating else None)
        if operation not in LINE_OPERATIONS:
            raise Invalid(f"{where}.operation must be one of Insert, Update, Delete.")
        if operation == "Insert":
            number = max(lines, default=0) + 1
            lines[number] = _journal_line(data, {"lineNumber": number, "debitAmountInCurrency": 0.0,
                                                 "creditAmountInCurrency": 0.0}, line_fields, where)
            continue
        number = line_fields.get("lineNumber")
        if number not in lines:
            raise Invalid(f"{where}: line {number} does not exist on this journal transaction.")
        if operation == "Delete":
            del lines[number]
        else:
            lines[number] = _journal_line(data, lines[number], line_fields, where)
    record["journalTransactionLines"] = [lines[n] for n in sorted(lines)]
    debit = round(sum(line["debitAmountInCurrency"] for line in lines.values()), 2)
    credit = round(sum(line["creditAmountInCurrency"] for line in lines.values()), 2)
    if debit != credit and not record["hold"]:  # UNCONFIRMED journal_balance
        raise Invalid(f"The journal transaction is out of balance: debit {debit:.2f}, credit {credit:.2f}.")
    record["status"] = "Hold" if record["hold"] else "Balanced"
    record.update(debitTotal=debit, debitTotalInCurrency=debit, creditTotal=credit, creditTotalInCurrency=credit)
    return record


def _journal_line(data: VismaData, line: dict, fields: dict, where: str) -> dict:
    if "accountNumber" in fields:
        account = data.tables["accounts"].get(_text(fields["accountNumber"], f"{where}.accountNumber"))
        if account is None or not account["active"]:
            raise Invalid(f"{where}: account '{fields['accountNumber']}' does not exist or is inactive.")
        line["accountNumber"] = account["accountCd"]
    elif "accountNumber" not in line:
        raise Invalid(f"{where}.accountNumber is required.")
    if "subaccount" in fields:
        # SegmentUpdateDto items are sent bare: [{"segmentId": 1, "segmentValue": "10"}, …] (docs/vendors/visma.md §4).
        chosen = {}
        for item in fields["subaccount"] or []:
            try:
                segment_id = int(item.get("segmentId"))
            except (TypeError, ValueError):
                raise Invalid(f"{where}.subaccount: segmentId must be a segment number.") from None
            value = _text(item.get("segmentValue"), f"{where}.subaccount")
            if data.values_of("SUBACCOUNT", segment_id).get(value) is None:
                raise Invalid(f"{where}: '{value}' is not a value of SUBACCOUNT segment {segment_id}.")
            chosen[segment_id] = value
        segments = data.dimensions["SUBACCOUNT"]["segments"]
        if sorted(chosen) != sorted(segments):
            raise Invalid(f"{where}.subaccount must give a value for each of segments {sorted(segments)}.")
        line["subaccount"] = subaccount_ref(data, "-".join(chosen[s] for s in sorted(segments)))
    for key in ("debitAmountInCurrency", "creditAmountInCurrency"):
        if key in fields:
            line[key] = _amount(fields[key], f"{where}.{key}")
            if line[key] < 0:
                raise Invalid(f"{where}.{key} cannot be negative.")
    line["debitAmount"], line["creditAmount"] = line["debitAmountInCurrency"], line["creditAmountInCurrency"]
    for key in ("transactionDescription", "referenceNumber", "branch"):
        if key in fields:
            line[key] = _text(fields[key], f"{where}.{key}")
    line["description"] = line.get("transactionDescription", "")
    if "vatCodeId" in fields:
        vat, description = _reference(data, "vat_codes", fields["vatCodeId"], f"{where}.vatCodeId")
        line["vatCode"] = {"id": vat, "description": description}
    return line


# --- dimension segment (DtoSegmentUpdate: segmentValues with operation) --------------------------------
def segment_update(data: VismaData, dimension_id: str, segment: dict, fields: dict, now: str) -> tuple[dict, dict]:
    """Returns the new segment and its new values; the caller swaps both in."""
    segment = {**segment}
    values = {k: dict(v) for k, v in data.values_of(dimension_id, segment["segmentId"]).items()}
    if "description" in fields:
        segment["description"] = _text(fields["description"], "description")
    for index, item in enumerate(fields.get("segmentValues") or []):
        where = f"segmentValues[{index}]"
        operation, value_id = item.get("operation"), _text(item.get("value"), f"{where}.value").strip()
        if operation not in LINE_OPERATIONS:
            raise Invalid(f"{where}.operation must be one of Insert, Update, Delete.")
        if not value_id:
            raise Invalid(f"{where}.value is required.")
        if operation == "Insert":
            if value_id in values:
                raise Invalid(f"{where}: value '{value_id}' already exists in segment {segment['segmentId']}.")
            if len(value_id) > segment["length"]:
                raise Invalid(f"{where}: value '{value_id}' is longer than the segment length {segment['length']}.")
            values[value_id] = {"internalId": data.next("internal_id", 100), "segmentId": segment["segmentId"],
                                "valueId": value_id, "description": "", "publicId": "", "active": True,
                                "mappedSegValue": ""}
        elif value_id not in values:
            raise Invalid(f"{where}: value '{value_id}' does not exist in segment {segment['segmentId']}.")
        if operation == "Delete":
            del values[value_id]
            continue
        value = values[value_id]
        if "description" in item:
            value["description"] = _text(item["description"], f"{where}.description")
        if "active" in item:
            if not isinstance(item["active"], bool):
                raise Invalid(f"{where}.active must be true or false.")
            value["active"] = item["active"]
        if "publicId" in item:
            value["publicId"] = _text(item["publicId"], f"{where}.publicId")
        value["timeStamp"], value["lastModified"] = data.row_version(), now
    segment["timeStamp"], segment["lastModified"] = data.row_version(), now
    return segment, values


CREATORS = {"employee": employee_create, "customer": customer_create, "supplier": supplier_create,
            "subaccount": subaccount_create, "journaltransaction": journal_transaction_create}
UPDATERS = {"employee": employee_update, "customer": customer_update, "supplier": supplier_update,
            "subaccount": subaccount_update, "journaltransaction": journal_transaction_update}
