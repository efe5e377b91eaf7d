"""monday.com errors (docs/vendors/monday.md §2, §4, §6): application errors arrive as HTTP 200 with an ``errors``
array; the code in ``extensions.code`` decides the project's error class."""
from __future__ import annotations

import re
from typing import Any

from connections.vendors.errors import (
    VendorAuthError,
    VendorConfigurationError,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorPermissionError,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)

# extensions.code → error class (docs/vendors/monday.md §2, §4, §6). Codes not listed fall back to
# extensions.status_code, then to the HTTP status; a 200 with an unknown code is a rejected query.
ERROR_CODES: dict[str, type[VendorError]] = {
    "Unauthorized": VendorAuthError,
    "UserUnauthorizedException": VendorPermissionError,
    "USER_ACCESS_DENIED": VendorPermissionError,
    "ResourceNotFoundException": VendorNotFound,
    "InvalidBoardIdException": VendorNotFound,
    "InvalidItemIdException": VendorNotFound,
    "InvalidColumnIdException": VendorRejected,
    "ColumnValueException": VendorRejected,
    "CorrectedValueException": VendorRejected,
    "ItemNameTooLongException": VendorRejected,
    "ItemsLimitationException": VendorRejected,
    "RecordInvalidException": VendorRejected,
    # Listed as 409 by monday, but deleting a board's last group can never succeed: permanent.
    "DeleteLastGroupException": VendorRejected,
    "InvalidVersionException": VendorConfigurationError,
    "JsonParseException": VendorRejected,
    "IDEMPOTENCY_CONFLICT": VendorConflict,
    # A board being updated concurrently (HTTP 423): nothing was applied, so even a mutation may be resent.
    "ResourceLockedException": VendorConflict,
    "InvalidGroupIdException": VendorRejected,
    "InvalidArgumentException": VendorRejected,
    "InvalidWebhookUrlException": VendorRejected,
    "maxComplexityExceeded": VendorRejected,
    # A cursor past its 60 minutes (§5): the scan starts again, it is not retried as is.
    "CursorExpiredError": VendorRejected,
    "COMPLEXITY_BUDGET_EXHAUSTED": VendorRateLimited,
    "ComplexityException": VendorRateLimited,  # legacy body of versions before 2025-01
    "RATE_LIMIT_EXCEEDED": VendorRateLimited,
    "DAILY_LIMIT_EXCEEDED": VendorRateLimited,
    "maxConcurrencyExceeded": VendorRateLimited,
    "FIELD_LIMIT_EXCEEDED": VendorRateLimited,
    "IP_RATE_LIMIT_EXCEEDED": VendorRateLimited,
    "API_TEMPORARILY_BLOCKED": VendorUnavailable,
}
# The status a class stands for, so 200-with-errors responses pick up the same per-status hints.
CLASS_STATUS = {VendorAuthError: 401, VendorPermissionError: 403, VendorNotFound: 404, VendorConflict: 409,
                VendorRateLimited: 429, VendorUnavailable: 503, VendorRejected: 400}
# Legacy ComplexityException text: "... reset in 3 seconds" (docs/vendors/monday.md §6).
RESET_IN = re.compile(r"reset in (\d+(?:\.\d+)?) seconds?")


def graphql_errors(body: Any) -> list[dict]:
    """The errors of a monday body as GraphQL error dicts, whichever format the API version uses.

    Current versions: ``{"errors": [{"message", "extensions": {"code", ...}}]}`` (docs/vendors/monday.md §2).
    Legacy versions: ``{"error_code", "error_message", "status_code", "error_data", "errors": ["…"]}`` (§6).
    """
    if not isinstance(body, dict):
        return []
    if body.get("error_code") or body.get("error_message"):
        extensions = {"code": body.get("error_code"), "status_code": body.get("status_code"),
                      **(body.get("error_data") or {})}
        return [{"message": body.get("error_message") or str(body.get("error_code")), "extensions": extensions}]
    errors = body.get("errors")
    if not isinstance(errors, list):
        return []
    return [error if isinstance(error, dict) else {"message": str(error)} for error in errors if error]


def retry_in_seconds(error: dict) -> float | None:
    """monday puts the wait into every rate-limit error (docs/vendors/monday.md §6), sometimes only in the text."""
    extensions = error.get("extensions") or {}
    for value in (extensions.get("retry_in_seconds"), (extensions.get("error_data") or {}).get("retry_in_seconds")):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return max(0.0, float(value))
    found = RESET_IN.search(str(error.get("message", "")))
    return float(found.group(1)) if found else None
