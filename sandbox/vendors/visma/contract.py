"""What docs/vendors/visma.md fixes for the sandbox, and what it leaves UNCONFIRMED.

Every behaviour the contract marks UNCONFIRMED is simulated as written here, in one
place, so a correction learned from the live API is a one-line change. The classic
error body (§9) and the ETag/If-Match rules (§5) that every handler shares are here too.
"""
from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from sandbox.core import json_response

UNCONFIRMED = {
    # §2 Visma Connect
    "token_body": "access_token, expires_in 3600, token_type Bearer, scope",
    "token_error": {"error": "invalid_client"},  # RFC 6749 shape, HTTP 400
    # §6 rate limits: the only published figure is the old-domain policy
    "rate_limit_per_hour": 500,
    "rate_limit_body": "{statusCode: 429, message: 'Rate limit is exceeded. Try again in N seconds.'}",
    # §7 paging
    "max_page_size": 1000,
    "default_page_size": 100,  # served when a client leaves pageSize out
    "account_list_paged": True,  # PSDK has no pageNumber/pageSize on /v1/account; the sandbox pages it anyway
    "journal_list_format": "classic bare array with metadata per item, not BasePaginationDto",
    # §7 delta
    "delta_timezone": "timestamps are UTC standing in for company-local time, no offset, millisecond precision",
    "journal_delta_condition": "v2 journaltransaction treats lastModifiedDateTime as '>='; a Condition param is ignored",
    # §9 errors
    "not_found_body": "IPPException shape, ExceptionFaultCode '404'",
    "validation_error_body": "IPPException shape, ExceptionFaultCode '400', messages are the sandbox's own",
    "duplicate_create": "creating an existing key is a 400 IPPException",
    # §4 keys and write bodies
    "employee_path_key": "{employeeCd} matches employeeId (the EMPLOYEE segmented key) as text, not employeeNumber",
    "employee_number_on_create": "a created employee's employeeNumber (ref. no.) is its employeeCd",
    "employee_cd_numeric": "employeeCd must be digits, because EmployeeDto.employeeId is an int",
    "nested_write_objects": ("contact/address are plain objects holding wrapped scalars (SLICE); the 2016 form "
                             "{'value': {...}} is accepted too"),
    "unknown_write_fields": "ignored, as ASP.NET model binding does",
    "null_write_fields": "a null (or a missing field) leaves the value unchanged; {'value': null} clears it",
    "dimension_id_case": "dimensionId is matched case-insensitively and served as upper-case (SUBACCOUNT)",
    "cost_centre_segment": "cost centres are values of SUBACCOUNT segment 2 in the demo company",
    # EmployeeDto in the contract has no location (§4). A company that tracks where people work keeps the places
    # as values of the LOCATION dimension ([ONIT] lists it); the sandbox takes `location` (a LOCATION segment 1
    # value id) on employee create/update, refuses an unknown one with a 400, and serves {id, description}.
    # Nor has it the cost allocation a payroll posting uses. The sandbox takes `subaccount` on the employee as
    # journal lines do (SegmentUpdateDto items, sent bare), merges it per segment, refuses a value the segment
    # does not have with a 400 in the journal line's words, and serves [{segmentId, segmentValue, …Description}].
    "employee_cost_allocation": "employee `subaccount` = [{segmentId, segmentValue}], merged per segment",
    "employee_location": "EmployeeCreateDTO/UpdateDto `location` = a LOCATION dimension value id; served {id, description}",
    "subaccount_number_format": "segment values joined with '-', e.g. '10-1000'",
    # DtoSegmentValue has valueId, description, publicId, active (and mappedSegValue in PSDK): no parent. A company
    # that keeps a hierarchy in Visma does it as one subaccount segment per level; which combinations are valid
    # (a "Northwind North – Bergen" pair) is nothing the API shows or checks, so the sandbox takes any combination
    # of existing values, on journal lines and employees alike.
    "segment_value_parent": "segment values carry no parent; a hierarchy is the combination of level values",
    "journal_balance": "an out-of-balance transaction is refused (400) unless hold is true",
    # §4 AP documents: PUT /v1/supplierInvoice/{nbr} and /v1/purchaseorder/{nbr} take `hold` (in both update DTOs).
    # How `status` follows is not in the spec: hold → "Hold", released → "Open" (the approval workflow's other
    # states are not simulated).
    "document_hold_status": "hold true sets status Hold; hold false on a Hold document sets document_released_status",
    "document_released_status": "Open",
    # The 2016 swagger has GET /v1/financialPeriod and /v1/financialPeriod/{financialPeriodId} (FinancialPeriodDto)
    # but says nothing of the id's spelling, of paging beyond greaterThanValue/numberToRead/skipRecords, or of
    # what a posting into a closed period gets.
    "financial_period_id": "YYYYPP (e.g. 202611), the same string as FinancialPeriodDto.period and a journal's financialPeriod",
    "financial_period_list": "a bare array in period order; greaterThanValue = periods after that id, numberToRead caps it",
    "closed_period_error": "Financial period {period} is closed in the general ledger; no transactions can be posted to it.",
    # §5 ETag
    "if_match_endpoints": "every PUT in the sandbox honours If-Match",
    # not in §4: GET /v1/department (DepartmentDto of Visma's v1 API) for the setup wizard's department choices
    "department_list": "departmentId and description only (no publicId/expense account); classic paging",
    "etag_quoting": ("the ETag header is the body's timeStamp in double quotes (RFC 7232; ASP.NET always quotes); "
                     "If-Match is accepted quoted, unquoted or weak (W/)"),
    # §1 hosts
    "legacy_prefix": "/API/controller/api/v1 and /v2 serve the same handlers as /v1 and /v2",
    # §4 payment
    "payment_shape": "PaymentDto as in the 2016 swagger, plus branch and timeStamp from PSDK",
    # §10 webhooks
    # `<entity>.deleted` when a document is deleted in the ERP: the catalogue shows "Account Deleted" only.
    "webhook_payload": {"event": "<entity>.<created|changed|deleted>", "entity": "employee", "id": "<key>",
                        "tenantId": "<company tenant>", "timestamp": "<yyyy-MM-ddTHH:mm:ss.fff>",
                        "notificationId": "<same on every retry of one notification>"},
    "webhook_signature_header": "x-vwd-signature-v1 = base64(HMAC-SHA256(secret, raw body)) [VWD]",
    "webhook_retry_policy": {"attempts": 3, "backoff_seconds": 2.0, "timeout_seconds": 5.0},  # backoff doubles
    "webhook_success": "any 2xx answer; anything else (or no answer) is retried",
}

DEMO_CREDENTIALS = {
    "client_id": "isv_mlconnector_sandbox",
    "client_secret": "visma-sandbox-secret",
    "tenant_id": "6f1b7c1e-0000-4000-8000-00000000c0de",  # a company tenant
}
CUSTOMER_TENANT_ID = "6f1b7c1e-0000-4000-8000-0000000c0570"  # authenticates, then 401 on every call
DEMO_COMPANY_ID = "1234567"  # the legacy ipp-company-id of the demo company (§3)

DELTA_CONDITIONS = (">", "<", ">=", "<=")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def ipp_error(status: int, message: str, code: str = "") -> Response:
    """The classic ERP error body (§9)."""
    code = code or str(status)
    return json_response({
        "ExceptionType": "IPPException", "ExceptionMessage": message, "ExceptionFaultCode": code,
        "ExceptionMessageID": f"{code}_{uuid.uuid4()}", "ExceptionDetails": "",
    }, status)


def etag_of(record: dict) -> str:
    return f'"{record["timeStamp"]}"'  # UNCONFIRMED etag_quoting


def if_match_ok(header: str | None, current: str) -> bool:
    if not header:
        return True
    candidates = [c.strip() for c in header.split(",")]
    return any(c == "*" or c.removeprefix("W/").strip('"') == current for c in candidates)
