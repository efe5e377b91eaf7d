"""Create and update rules of the Visma sandbox's ledger: subaccounts, v2 journal transactions and dimension
segments (docs/vendors/visma.md §4 Writes).

All three rest on the SUBACCOUNT dimension: a subaccount number and a journal line's subaccount are
combinations of its segment values, and a segment update changes those values. As in writes.py, each
function takes unwrapped fields, raises `Invalid` on what Visma would refuse and returns new records.
"""
from __future__ import annotations

from sandbox.vendors.visma.company import subaccount_ref
from sandbox.vendors.visma.periods import postable
from sandbox.vendors.visma.store import Invalid, VismaData, parse_stamp
from sandbox.vendors.visma.write_fields import as_amount, as_reference, as_text

LINE_OPERATIONS = ("Insert", "Update", "Delete")


# --- subaccount (SubAccountUpdateDto) -----------------------------------------------------------------
def subaccount_create(data: VismaData, fields: dict, now: str) -> dict:
    number = as_text(fields.get("subaccountNumber"), "subaccountNumber").strip()
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
        record["description"] = as_text(fields["description"], "description")
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
            record[key] = as_text(fields[key], key)
    if "hold" in fields:
        record["hold"] = bool(fields["hold"])
    if "transactionDate" in fields:
        record["transactionDate"] = parse_stamp(as_text(fields["transactionDate"], "transactionDate")[:19],
                                                "transactionDate")[:10] + "T00:00:00"
    period = record["transactionDate"][:4] + record["transactionDate"][5:7]
    record["financialPeriod"] = as_text(fields.get("financialPeriod"), "financialPeriod") or \
        (period if creating or "transactionDate" in fields else record["financialPeriod"])
    record["postPeriod"] = as_text(fields.get("postPeriod"), "postPeriod") or record["financialPeriod"]
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
        account = data.tables["accounts"].get(as_text(fields["accountNumber"], f"{where}.accountNumber"))
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
            value = as_text(item.get("segmentValue"), f"{where}.subaccount")
            if data.values_of("SUBACCOUNT", segment_id).get(value) is None:
                raise Invalid(f"{where}: '{value}' is not a value of SUBACCOUNT segment {segment_id}.")
            chosen[segment_id] = value
        segments = data.dimensions["SUBACCOUNT"]["segments"]
        if sorted(chosen) != sorted(segments):
            raise Invalid(f"{where}.subaccount must give a value for each of segments {sorted(segments)}.")
        line["subaccount"] = subaccount_ref(data, "-".join(chosen[s] for s in sorted(segments)))
    for key in ("debitAmountInCurrency", "creditAmountInCurrency"):
        if key in fields:
            line[key] = as_amount(fields[key], f"{where}.{key}")
            if line[key] < 0:
                raise Invalid(f"{where}.{key} cannot be negative.")
    line["debitAmount"], line["creditAmount"] = line["debitAmountInCurrency"], line["creditAmountInCurrency"]
    for key in ("transactionDescription", "referenceNumber", "branch"):
        if key in fields:
            line[key] = as_text(fields[key], f"{where}.{key}")
    line["description"] = line.get("transactionDescription", "")
    if "vatCodeId" in fields:
        vat, description = as_reference(data, "vat_codes", fields["vatCodeId"], f"{where}.vatCodeId")
        line["vatCode"] = {"id": vat, "description": description}
    return line


# --- dimension segment (DtoSegmentUpdate: segmentValues with operation) --------------------------------
def segment_update(data: VismaData, dimension_id: str, segment: dict, fields: dict, now: str) -> tuple[dict, dict]:
    """Returns the new segment and its new values; the caller swaps both in."""
    segment = {**segment}
    values = {k: dict(v) for k, v in data.values_of(dimension_id, segment["segmentId"]).items()}
    if "description" in fields:
        segment["description"] = as_text(fields["description"], "description")
    for index, item in enumerate(fields.get("segmentValues") or []):
        where = f"segmentValues[{index}]"
        operation, value_id = item.get("operation"), as_text(item.get("value"), f"{where}.value").strip()
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
            value["description"] = as_text(item["description"], f"{where}.description")
        if "active" in item:
            if not isinstance(item["active"], bool):
                raise Invalid(f"{where}.active must be true or false.")
            value["active"] = item["active"]
        if "publicId" in item:
            value["publicId"] = as_text(item["publicId"], f"{where}.publicId")
        value["timeStamp"], value["lastModified"] = data.row_version(), now
    segment["timeStamp"], segment["lastModified"] = data.row_version(), now
    return segment, values
