"""What the Dayforce sandbox takes from the vendor's documentation, in one place.

Sources: specs/dayforce/openapi.yaml (Dayforce's own swagger) and docs/vendors/dayforce.md (the contract
summary: developer guide, public clients). Behaviours the contract marks UNCONFIRMED are simulated as it
suggests and collected in `UNCONFIRMED`, to be corrected here when a real tenant shows otherwise.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from sandbox.core import json_response

UNCONFIRMED = {
    # §2: no client reads a token_type or a refresh token; assume Bearer and none.
    "token_type": "Bearer",
    # §2: the error body for a bad password/namespace; OAuth-style is the likely shape.
    "token_error_status": 400,
    "token_error": {"error": "invalid_grant"},
    # §2: one client sends CompanyId/Username/Password/Client_Id, so field names may be case-insensitive.
    "token_fields_case_insensitive": True,
    # §1: clients mix Api/api and V1/v1; whether the server cares is not known.
    "routes_case_insensitive": True,
    # §1: the exact ServiceUri string; [CBJ] appends `/{ns}/v1/...` to it, so it ends at /Api.
    "service_version": "66.1.1.15016",
    # §2/§3: SPEC documents 401 "Invalid authentication credentials." and 403 "User does not have access."
    # with ProcessResults bodies, but not the codes or the exact 403 for /Employees without HCM Anywhere.
    "unauthorized": {"Code": "AUTHENTICATION_FAILED", "Message": "Invalid authentication credentials."},
    "forbidden": {"Code": "USER_ACCESS_DENIED", "Message": "User does not have access."},
    # §2: a token used on another namespace's path; treated like an invalid token.
    "namespace_mismatch_status": 401,
    # §6: the limits are per client (namespace) and only given as an example: employee details at most
    # 10 per second or 100 per minute. Other calls have no published figure; a generous one stands in.
    "detail_limits": ((10, 1.0), (100, 60.0)),
    "rate_limit_per_minute": 1000,
    # §6: the 429 body is not documented, so it is a ProcessResults body.
    "rate_limited": {"Code": "RATE_LIMIT_EXCEEDED",
                     "Message": "The request limit for this client has been reached. Retry after {seconds} seconds."},
    # §3/§4: codes of validation failures are not documented (SYS_DESERIALIZATION_ERROR is the one example).
    "invalid_date": {"Code": "SYS_DESERIALIZATION_ERROR", "Message": "The value '{value}' is not a valid date."},
    "unpaired_updated_filter": {
        "Code": "HR_Employee_InvalidDateRange",
        "Message": "filterUpdatedStartDate and filterUpdatedEndDate must be provided together.",
    },
    "missing_pay_summary_dates": {
        "Code": "PAY_SUMMARY_DATE_RANGE_REQUIRED",
        "Message": "filterPaySummaryStartDate and filterPaySummaryEndDate are required.",
    },
    "unknown_employee": {"Code": "HR_Employee_NotFound", "Message": "Employee with XRefCode '{xref}' was not found."},
    "unknown_org_unit": {"Code": "ORG_UNIT_NOT_FOUND", "Message": "OrgUnit with XRefCode '{xref}' was not found."},
    "invalid_cursor": {"Code": "INVALID_CURSOR", "Message": "The paging cursor is not valid."},
    # §4.4: the pay-summary dates select lines by their PayDate (the spec says "period start date").
    "pay_summaries_filter_on": "PayDate",
    # §5: "usually 1,000 records"; `pageSize` overrides it.
    "default_page_size": 1000,
    # §4.2: timestamps in the placeholders end in Z; whether real ones carry an offset is not known.
    "timestamp_format": "%Y-%m-%dT%H:%M:%SZ",
    # §4.1: naive filter dates (e.g. 2017-01-01T13:24:56) are read as UTC.
    "naive_filter_dates_are_utc": True,
}

OAUTH_CLIENT_ID = "Dayforce.HCMAnywhere.Client"  # §2: the only client id Dayforce ID accepts here

# Role features of HCM Anywhere (§2 "Permissions"): reading needs Web Services + Read Data.
WEB_SERVICES = "HCM Anywhere > Web Services"
READ_DATA = "HCM Anywhere > Web Services > Read Data"
# UNCONFIRMED: the contract names only Read Data. Dayforce secures pay data apart from HR data (a role can see
# people but not pay); the sandbox models it as one more sub-feature that EmployeePaySummaries requires.
PAY_DATA = "HCM Anywhere > Web Services > Read Data > Pay Summaries"

DEMO_NAMESPACE = "mlconnector"
DEMO_CREDENTIALS = {
    "company_id": DEMO_NAMESPACE,
    "username": "ws.mlconnector",
    "password": "dayforce-sandbox-password",
}
# Logs in fine, but its primary role lacks HCM Anywhere, so every REST read is a 403.
RESTRICTED_USERNAME = "ws.nohcmanywhere"
# Reads HR data, but its role lacks the pay-data sub-feature (PAY_DATA), so EmployeePaySummaries is a 403.
NO_PAY_DATA_USERNAME = "ws.nopaydata"
# May read, but field-level security hides these properties: Dayforce sends them as null (§2, DG-AUTHZ).
FIELD_RESTRICTED_USERNAME = "ws.restricted"
RESTRICTED_FIELDS = frozenset({"SocialSecurityNumber", "BirthDate", "HomePhone", "BaseSalary", "BaseRate"})

# `/{ns}/V1/...`, optionally behind the `/Api` segment of real base URLs (§1).
API_PATH = re.compile(r"^/(?:api/)?(?P<ns>[^/]+)/v1(?P<rest>/.*)?$", re.IGNORECASE)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(UNCONFIRMED["timestamp_format"])


def parse_date(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def envelope(data, **extra) -> Response:
    """A successful answer: `{Data, ProcessResults}`, plus `Paging` where the endpoint pages (§3)."""
    return json_response({"Data": data, "ProcessResults": [], **extra})


def process_results(status: int, code: str, message: str, context: str = "",
                    headers: dict | None = None, bare: bool = False) -> Response:
    """Dayforce's error body: ProcessResults plus the requestId shown in DG-ERR examples (§3).

    `bare`: the spec gives some operations (OrgUnits) a plain array of ProcessResult as their error body.
    """
    results = [{"Code": code, "Context": context, "Level": "ERROR", "Message": message}]
    body = results if bare else {"requestId": str(uuid.uuid4()), "ProcessResults": results}
    return json_response(body, status, headers)
