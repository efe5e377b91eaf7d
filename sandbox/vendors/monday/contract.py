"""What the monday sandbox simulates, from docs/vendors/monday.md: constants, seeded accounts, error shapes.

Behaviours the contract marks UNCONFIRMED are collected in `UNCONFIRMED` so they are easy to correct.
"""
from __future__ import annotations

import functools
import re

import graphql
from graphql import GraphQLError

from sandbox.core import SPECS_DIR

SDL_PATH = SPECS_DIR / "monday" / "schema.graphql"
CURRENT_API_VERSION = "2026-10"  # the version of the saved SDL (docs/vendors/monday.md sources table)
API_VERSION_FORMAT = re.compile(r"^\d{4}-\d{2}$")

# Everything the contract marks UNCONFIRMED, in one place.
UNCONFIRMED = {
    "bearer_prefix_accepted": True,  # §1: raw token is documented; "Bearer <token>" accepted too
    "unauthorized_body": {"errors": [{"message": "Not Authenticated",  # §1, served with HTTP 401
                                      "extensions": {"code": "Unauthorized", "status_code": 401}}]},
    # §1: personal tokens have no documented expiry. Simulated as ten years so a test can still
    # expire one through the shared clock; "Regenerate" (see `regenerate_token`) is the usual end.
    "personal_token_lifetime": 10 * 365 * 86400,
    # §1: 400 "Bad request" / JsonParseException bodies are not shown; the 401 shape is reused.
    "transport_error_codes": {400: "BadRequest", 401: "Unauthorized", 404: "ResourceNotFoundException",
                              405: "MethodNotAllowed", 423: "ResourceLockedException", 429: "RATE_LIMIT_EXCEEDED",
                              500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                              504: "GatewayTimeout"},
    "invalid_version_message": "Invalid API version; use the YYYY-MM format",  # §1, HTTP 200
    # §6: the minute limit's message and code ("Minute limit rate exceeded" / "Rate Limit Exceeded").
    "minute_limit_error": {"message": "Minute limit rate exceeded", "code": "RATE_LIMIT_EXCEEDED"},
    # §6: the concurrency and daily limits' messages (codes are documented).
    "concurrency_limit_message": "Concurrency limit exceeded",
    "daily_limit_message": "Daily limit exceeded",
    # §6: 423 "Resource is currently locked, please try again later"; its code is not shown.
    "locked_message": "Resource is currently locked, please try again later",
    # §6: the complexity formula is not published. Simulated: 1 point per selected field; a field
    # with a `limit` argument (lists, items_page) multiplies its selection by that limit; each
    # item mutation costs `mutation_points` on top ([BP]: create_item ~10,000 points).
    "complexity_points_per_field": 1,
    "mutation_points": 10_000,
    "max_query_complexity": 5_000_000,  # §6: one query ≤ 5,000,000 points; code below UNCONFIRMED
    "max_complexity_code": "maxComplexityExceeded",
    # Syntax and validation errors: graphql-core's messages, HTTP 200, no extensions.code.
    "validation_error_http_status": 200,
    # §4: error texts are not documented; codes are.
    "column_value_message": "invalid value, please check our API documentation for the correct data structure "
                            "for this column",
    # §5: a cursor lives 60 minutes; the error for an expired one is not documented.
    "cursor_lifetime": 3600,
    "cursor_expired_code": "CursorExpiredError",
    "items_page_max_limit": 500,
    "items_page_limit_code": "InvalidArgumentException",
    # §7: the challenge's timeout and the error when it is not echoed.
    "challenge_timeout": 5.0,
    "challenge_failed_message": "Webhook URL verification failed: the challenge was not echoed",
    "challenge_failed_code": "InvalidWebhookUrlException",
    # §7: retried once a minute for 30 minutes; the timeout of one delivery is not documented.
    "delivery_retry_interval": 60.0,
    "delivery_retry_window": 1800.0,
    "delivery_timeout": 5.0,
    # §7: the shortLivedToken inside a delivery JWT lives 5 minutes [AUTHZ]; the JWT's own exp too.
    "delivery_jwt_lifetime": 300,
    # The endpoint-specific create_board limit, 40/min (§6); the body follows the older text.
    "create_board_per_minute": 40,
    "create_board_limit_message": "Call limit exceeded for CreateBoard",
    # §3: who sees a board. Simulated: a public board is seen by every member; a private or shareable one only by
    # its subscribers (the creator at first), and to anyone else it does not exist (left out of `boards`).
    "private_boards_subscribers_only": True,
    # §4: 10,000 items per board. The error's message, and that archived items count towards the cap (the
    # sandbox counts every item not deleted), are UNCONFIRMED; the code ItemsLimitationException is documented.
    "items_per_board": 10_000,
    # §1 names OAuth tokens only; the authorization-code exchange is simulated as monday's public app docs
    # describe it (auth.monday.com/oauth2/authorize and /token, form body, no expiry, no refresh token).
    "oauth": {"code_lifetime": 600, "scope": "me:read boards:read boards:write webhooks:write",
              "invalid_client": {"error": "invalid_client", "error_description": "Invalid client credentials"},
              "invalid_grant": {"error": "invalid_grant", "error_description": "Invalid or expired code"}},
}

# Published per-plan limits (docs/vendors/monday.md §6, [RL]); the demo account is on Pro with a personal token.
PLAN_LIMITS = {
    "pro": {"minute_queries": 2_500, "concurrency": 100, "complexity_per_minute": 10_000_000, "daily_calls": 10_000},
    "enterprise": {"minute_queries": 5_000, "concurrency": 250, "complexity_per_minute": 10_000_000,
                   "daily_calls": 25_000},
}
DEMO_PLAN = "pro"

ACCOUNT_ID = "9100001"
ADMIN_USER_ID = "51000001"
MEMBER_USER_ID = "51000002"
GUEST_USER_ID = "51000003"
DEMO_TOKEN = "monday-sandbox-personal-token-ada"
# A real token of a guest whom the account does not let use the API: it authenticates, then every
# query is refused with UserUnauthorizedException, HTTP 200, status_code 403 (docs/vendors/monday.md §2).
RESTRICTED_TOKEN = "monday-sandbox-personal-token-gil-guest"
# An app's OAuth token (acting as Ada): webhooks it creates are JWT-signed with the app's signing secret (§7).
APP_TOKEN = "monday-sandbox-app-token-northwind-sync"
APP_SIGNING_SECRET = "monday-sandbox-app-signing-secret"
# The sandbox's one monday app for "Connect monday.com" (OAuth authorization code): client id → secret.
OAUTH_CLIENT_ID = "monday-sandbox-app-client"
OAUTH_CLIENT_SECRET = "monday-sandbox-app-client-secret"
OAUTH_CLIENTS = {OAUTH_CLIENT_ID: OAUTH_CLIENT_SECRET}
DEMO_TOKENS = {DEMO_TOKEN: (ADMIN_USER_ID, "personal"), RESTRICTED_TOKEN: (GUEST_USER_ID, "personal"),
               APP_TOKEN: (ADMIN_USER_ID, "app")}


@functools.cache
def sdl_schema() -> graphql.GraphQLSchema:
    """The official schema, built once per process (~0.6 s for the 385 KB SDL).

    Built on first use rather than at import, so importing the sandbox registry (the setup
    wizard does) stays cheap.
    """
    return graphql.build_schema(SDL_PATH.read_text(encoding="utf-8"))


def graphql_error(message: str, code: str, status_code: int | None = None, **extra) -> dict:
    extensions = {"code": code, **extra}
    if status_code is not None:
        extensions["status_code"] = status_code
    return {"message": message, "extensions": extensions}


def monday_error(message: str, code: str, status_code: int | None = None, **error_data) -> GraphQLError:
    """An application-level error, served inside HTTP 200 (docs/vendors/monday.md §2, §4)."""
    extensions = {"code": code, "error_data": error_data}
    if status_code is not None:
        extensions["status_code"] = status_code
    return GraphQLError(message, extensions=extensions)


def user_unauthorized() -> GraphQLError:
    # docs/vendors/monday.md §2: the documented application-level error, HTTP 200 with status_code 403.
    return GraphQLError("User unauthorized to perform action",
                        extensions={"code": "UserUnauthorizedException", "error_data": {}, "status_code": 403})


class Refused(Exception):
    """A refusal that is not an error inside 200 but the whole request's HTTP status (§6: 423, endpoint 429s)."""

    def __init__(self, status: int, message: str, code: str, retry_in_seconds: int | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.retry_in_seconds = status, message, code, retry_in_seconds


class BoardLocked(Refused):
    """A mutation reached a board that is being updated concurrently: HTTP 423 (§6)."""

    def __init__(self, board_id: str):
        super().__init__(423, UNCONFIRMED["locked_message"], UNCONFIRMED["transport_error_codes"][423])
        self.board_id = board_id
