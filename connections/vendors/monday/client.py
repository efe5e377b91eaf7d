"""monday.com platform API client (GraphQL at https://api.monday.com/v2, static personal API tokens).

Facts cite docs/vendors/monday.md. Two things set monday apart from the REST vendors:
every call is one POST of a GraphQL document, and application-level errors (permissions, bad
column values, complexity budget) come back as HTTP 200 with an ``errors`` array (§2). The
client therefore looks inside every body and maps ``extensions.code`` onto the project's error
taxonomy in `raise_for_response`, the single hook the base request loop already calls, so
rate-limit errors found in a 200 body are retried exactly like a 429.
"""
from __future__ import annotations

import re
from typing import Any

import requests

from connections.vendors.base import (
    DEFAULT_HINTS,
    BaseClient,
    backoff_delay,
    error_class_for,
    parse_retry_after,
)
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

GRAPHQL_PATH = "v2"
# The version of the SDL in the specs folder; monday serves a well-formed but unknown version as
# the current one, while a malformed value is an error (docs/vendors/monday.md §1).
DEFAULT_API_VERSION = "2026-10"

# The connection check: one cheap read that proves the token, its user and the account (docs/vendors/monday.md §3).
CHECK_QUERY = "query { me { id name account { id name } } }"
BOARDS_QUERY = (
    "query Boards($ids: [ID!], $limit: Int, $page: Int) { "
    "boards(ids: $ids, limit: $limit, page: $page) { id name columns { id title type } } }"
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
MUTATION = re.compile(r"^\s*mutation\b")


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


class MondayClient(BaseClient):
    vendor_label = "monday.com"
    required_credentials = ("api_token",)
    hints = {
        401: ("monday.com does not accept the API token. Copy the current personal API token from monday.com "
              "(avatar > Developers > My access tokens) into the connection; regenerating the token there "
              "invalidates the old one. 'Your ip is restricted' means the account admin allows API calls only "
              "from listed IP addresses."),
        403: ("The token's user is not allowed to do this. Use a token of a member or admin who can see the "
              "boards involved, or ask the monday.com account admin to grant access."),
        404: "The board or item does not exist or is not shared with the token's user; check the board ids.",
        429: ("monday.com's rate limit or per-minute complexity budget was hit; the sync waits as long as "
              "monday asks and continues."),
    }
    code_hints = {
        "DAILY_LIMIT_EXCEEDED": ("The account's daily API call limit is used up; it resets at midnight UTC. "
                                 "Sync less often, or raise the limit in monday's administration (Enterprise)."),
        "InvalidVersionException": ("Set the connection's API version to a YYYY-MM version monday.com supports, "
                                    f"e.g. {DEFAULT_API_VERSION}."),
    }

    # --- auth: a static personal token, sent raw ------------------------------------------
    # No token endpoint and no expiry (docs/vendors/monday.md §1), so nothing is fetched or cached: the header is
    # built from the connection's credentials on every call. A token pasted in after a "Regenerate"
    # therefore takes effect at once (a cached copy would be sent until it failed, or forever if it
    # belonged to another still-valid account), and no copy of the secret sits in the shared cache.
    def token(self):
        return None

    def auth_headers(self, token):
        # monday wants the raw token, without "Bearer " (docs/vendors/monday.md §1, [SDK]).
        return {
            "Authorization": str(self.credentials["api_token"]).strip(),
            "API-Version": self.config.get("api_version") or DEFAULT_API_VERSION,
        }

    # --- GraphQL ---------------------------------------------------------------------------
    def graphql(self, query: str, variables: dict | None = None, *, operation_name: str | None = None) -> dict:
        """Run one GraphQL document and return its ``data``; any error in the body raises."""
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        attempt = 0
        while True:
            # Queries are reads (safe to retry); mutations are not.
            response = self.request("POST", GRAPHQL_PATH, json=payload, idempotent=not MUTATION.match(query))
            try:
                body = self.json(response)
            except VendorUnavailable:
                # A truncated body on a read is safe to ask for again; a mutation may already have
                # been applied, so that goes up instead of being silently repeated.
                attempt += 1
                if MUTATION.match(query) or attempt >= self.max_attempts:
                    raise
                self.sleep(backoff_delay(attempt))
                continue
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise VendorUnavailable(f"{self.vendor_label} answered without a data object.",
                                        vendor=self.vendor_label, status=response.status_code)
            return data

    def raise_for_response(self, response: requests.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = graphql_errors(body)
        if not errors:
            # Non-GraphQL failures (an HTML 502 from a proxy, an empty 401) take the common path.
            super().raise_for_response(response)
            return
        # Partial data comes with errors (docs/vendors/monday.md §2); a connector must not act on half an answer,
        # so any error fails the call. The first error decides the class and the message.
        first = errors[0]
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code") or "")
        declared = extensions.get("status_code")
        status = response.status_code
        error_class = ERROR_CODES.get(code)
        if error_class is None:
            if isinstance(declared, int) and declared >= 400:
                error_class = error_class_for(declared)
            elif status >= 400:
                error_class = error_class_for(status)
            else:
                error_class = VendorRejected  # e.g. GraphQL validation errors, served as 200
        effective_status = status if status >= 400 else (
            declared if isinstance(declared, int) and declared >= 400 else CLASS_STATUS.get(error_class, 400))
        vendor_message = "; ".join(str(e.get("message", "")).strip() for e in errors[:3] if e.get("message"))
        hint = self.code_hints.get(code) or self.hints.get(effective_status) or DEFAULT_HINTS.get(error_class, "")
        said = f": {vendor_message.rstrip('. ')}" if vendor_message else ""
        named = f" ({code})" if code else ""
        # Application errors arrive as HTTP 200 (docs/vendors/monday.md §2); saying "answered 200" would mislead.
        answered = f"answered {status}" if status >= 400 else "refused the request"
        message = f"{self.vendor_label} {answered}{said}{named}."
        if hint:
            message += f" {hint}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            retry_after = retry_in_seconds(first)
        raise error_class(message, vendor=self.vendor_label, status=effective_status,
                          vendor_message=vendor_message, retry_after=retry_after, hint=hint)

    # --- reads -----------------------------------------------------------------------------------
    def boards_with_columns(self, ids: list[str] | None = None, *, limit: int = 25, page: int = 1) -> list[dict]:
        """Boards (page-numbered, docs/vendors/monday.md §3) with their columns' ids, titles and types."""
        variables: dict[str, Any] = {"limit": limit, "page": page}
        if ids:
            variables["ids"] = [str(board_id) for board_id in ids]
        return self.graphql(BOARDS_QUERY, variables).get("boards") or []

    def check_connection(self) -> str:
        try:
            me = self.graphql(CHECK_QUERY).get("me")
        except VendorPermissionError as error:
            raise VendorPermissionError(
                "monday.com accepts the API token but says its user is not authorized to use the API "
                f"({error.vendor_message or 'UserUnauthorizedException'}). Use the personal API token of an account "
                "member or admin who may use the API; the account admin can check this user's role (guests are "
                "limited) and API permissions.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        if not me:
            raise VendorUnavailable("monday.com answered the connection check without the token's user.",
                                    vendor=self.vendor_label)
        account = me.get("account") or {}
        return (f"Connected to monday.com account {account.get('name')} (id {account.get('id')}) "
                f"as {me.get('name')} (user {me.get('id')}).")
