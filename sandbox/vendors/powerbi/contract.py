"""What the Power BI sandbox takes from docs/vendors/powerbi.md: demo principals and workspace, the push-dataset
limits (§5), the error envelope (§6), and every behaviour the contract marks UNCONFIRMED, in one place."""
from __future__ import annotations

from werkzeug.wrappers import Response

from sandbox.core import json_response

API_PREFIX = "/powerbi"
LOGIN_PREFIX = "/powerbi-login"
POWER_BI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"

# Push-dataset limits (docs/vendors/powerbi.md §5), enforced exactly.
MAX_ROWS_PER_POST = 10_000
MAX_POSTS_PER_MINUTE = 120
MAX_POSTS_PER_HOUR_LARGE_TABLE = 120
LARGE_TABLE_ROWS = 250_000
MAX_ROWS_PER_HOUR = 1_000_000
MAX_PENDING_POSTS = 5
MAX_TABLES = 75
MAX_COLUMNS = 75
MAX_STRING_LENGTH = 4_000
FIFO_KEEP_ROWS = 200_000
FIFO_TRIM_ABOVE = 210_000  # basicFIFO keeps 200,000–210,000 rows [FIFO]
MAX_ROWS_RETENTION_NONE = 5_000_000
MAX_REFRESHES_PER_DAY = 8  # shared capacity (§3)
# Int64.Max/Min and Double.Max/Min are not allowed values (§4).
INT64_MAX = 2**63 - 1
DOUBLE_MAX = 1.7976931348623157e308

# Everything the contract marks UNCONFIRMED, in one place.
UNCONFIRMED = {
    # §1: live token responses also carry ext_expires_in.
    "token_ext_expires_in": True,
    # §1: a wrong secret is invalid_client, AADSTS7000215, HTTP 401.
    "bad_secret": (401, "invalid_client", 7000215,
                   "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                   "secret value, not the client secret ID, for a secret added to app '{client_id}'."),
    # Not in the contract at all; the usual Entra answers, kept here with the rest of the guesses.
    "unknown_tenant": (400, "invalid_request", 90002, "Tenant '{tenant}' not found."),
    "unknown_client": (400, "unauthorized_client", 700016,
                       "Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
    "bad_grant_type": (400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '{grant}'."),
    # §2: spec property is `odata.context`; on the wire it is believed to be `@odata.context`.
    "odata_context_key": "@odata.context",
    # §3: Dataset property casing on the wire; the spec's x-ms-examples use camelCase, its schema PascalCase.
    "dataset_property_casing": "camelCase, as in the spec's x-ms-examples",
    # §3: the simulator's push dataset storage mode.
    "push_target_storage_mode": "PushStreaming",
    # §1: service principals cannot use "My workspace" (the routes without /groups/{groupId}); known from docs,
    # not confirmed. False: those routes answer 403 to a service principal; True: each principal has its own.
    "service_principal_my_workspace": False,
    # §6: 401 for a missing/expired token, empty body with a WWW-Authenticate header.
    "unauthorized_www_authenticate": ('Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/'
                                      'authorize", error="invalid_token"'),
    # §1/§6: a principal the tenant setting does not allow is refused on every call.
    "service_principals_disabled": (401, "PowerBINotAuthorizedException", "API is not accessible for application"),
    # §6: 403 when the principal lacks workspace access (or lacks the Member/Admin role to write); no body known.
    "workspace_forbidden": (403, "PowerBINotAuthorizedException",
                            "The service principal is not authorized to access workspace '{group_id}'."),
    "role_forbidden": (403, "PowerBINotAuthorizedException",
                       "The service principal has the {role} role in workspace '{group_id}'; changing datasets "
                       "needs Member or Admin."),
    # §6: every response carries a RequestId header.
    "request_id_header": "RequestId",
    # §5: general (non-push) API throttling is not published; "120 requests per minute per user" is a
    # third-party figure the contract says not to rely on. Used per service principal.
    "api_requests_per_minute": 120,
    # §5: the code of the 429 body (the message for row quotas is documented, the code is not).
    "rate_limited_code": "TooManyRequests",
    # §7.3: more than 10,000 rows in one POST: 400, code not documented.
    "too_many_rows_code": "InvalidRequest",
    # §5: a POST that would take a table with retention None past 5,000,000 rows; answer not documented.
    "table_full": (400, "RowLimitExceeded", "Table '{table}' would exceed 5,000,000 rows."),
    # §6: rows with unknown columns or wrong value types: 400 BadRequest, details[].target = the column.
    "bad_row_code": "BadRequest",
    # §3: refreshing a push dataset (it has no data source); the error is not documented.
    "push_refresh": (400, "InvalidRequest", "Dataset '{dataset_id}' is a push dataset and cannot be refreshed."),
    # §3: the 9th refresh in a day on shared capacity.
    "refresh_cap": (429, "TooManyRequests", "Dataset '{dataset_id}' has used its 8 refreshes for today."),
    # §4: accepted dataType aliases, compared case-insensitively.
    "data_types": {"int64": "Int64", "double": "Double", "boolean": "Boolean", "bool": "Boolean",
                   "datetime": "DateTime", "string": "String", "decimal": "Decimal"},
    # §6: codes for statuses with no observed body.
    "error_codes_by_status": {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "ItemNotFound",
                              405: "MethodNotAllowed", 500: "InternalServerError", 502: "BadGateway",
                              503: "ServiceUnavailable", 504: "GatewayTimeout"},
}

DEMO_TENANT_ID = "72f988bf-0000-4000-8000-00000000b1a0"
DEMO_TENANT_DOMAIN = "mlconnector-sandbox.onmicrosoft.com"  # Entra accepts the tenant as GUID or domain (§1)
# The workspace id of the spec's own x-ms-examples.
WORKSPACE_ID = "f089354e-8366-4e18-aea3-4cb4a3a50b48"

DEMO_CREDENTIALS = {
    "tenant_id": DEMO_TENANT_ID,
    "client_id": "0f3c1a4e-0000-4000-8000-0000000a9901",
    "client_secret": "pbi-sandbox-secret~value",
}
# Authenticates, but was never added to the workspace: 403 on it.
RESTRICTED_CREDENTIALS = {
    "tenant_id": DEMO_TENANT_ID,
    "client_id": "0f3c1a4e-0000-4000-8000-0000000a9902",
    "client_secret": "pbi-sandbox-restricted~value",
}
# Authenticates, but the tenant setting "Service principals can use Power BI APIs" excludes it: 401 everywhere.
BLOCKED_CREDENTIALS = {
    "tenant_id": DEMO_TENANT_ID,
    "client_id": "0f3c1a4e-0000-4000-8000-0000000a9903",
    "client_secret": "pbi-sandbox-blocked~value",
}
# In the workspace as Viewer: reads work, every change is 403.
VIEWER_CREDENTIALS = {
    "tenant_id": DEMO_TENANT_ID,
    "client_id": "0f3c1a4e-0000-4000-8000-0000000a9904",
    "client_secret": "pbi-sandbox-viewer~value",
}
WRITER_ROLES = {"Admin", "Member"}


def power_bi_error(status: int, code: str, message: str, details: list[dict] | None = None,
                   headers: dict | None = None) -> Response:
    """The API's error envelope (docs/vendors/powerbi.md §6)."""
    error: dict = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_response({"error": error}, status, headers)


class PowerBIError(Exception):
    """Raised by the store and quotas; the API turns it into the envelope."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.retry_after = (
            status, code, message, details, retry_after)

    def response(self) -> Response:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return power_bi_error(self.status, self.code, self.message, self.details, headers)


def bad_request(message: str, target: str, detail: str | None = None) -> PowerBIError:
    return PowerBIError(400, "BadRequest", "Bad Request", [{"message": detail or message, "target": target}])
