"""monday.com platform API sandbox, from docs/vendors/monday.md.

One GraphQL endpoint, ``POST /monday/v2``, executed by graphql-core against monday's official SDL
(``specs/monday/schema.graphql``), so a query the real API would reject for its shape is
rejected here with a real validation error. Resolvers read seeded in-memory dicts; they are
looked up per (type, field) in `RESOLVERS`, so items, column values and webhooks can be added by
extending that table and `reset()`. Behaviours the contract marks UNCONFIRMED are simulated as
it says and collected in `UNCONFIRMED` below so they are easy to correct.
"""
from __future__ import annotations

import functools
import itertools
import json
import math
import re
import threading

import graphql
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, value_from_ast
from werkzeug.wrappers import Request, Response

from sandbox.core import SPECS_DIR, Clock, IssuedToken, VendorSandbox, json_response

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
                              405: "MethodNotAllowed", 429: "RATE_LIMIT_EXCEEDED", 500: "InternalServerError",
                              502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"},
    "invalid_version_message": "Invalid API version; use the YYYY-MM format",  # §1, HTTP 200
    # §6: the minute limit's message and code ("Minute limit rate exceeded" / "Rate Limit Exceeded").
    "minute_limit_error": {"message": "Minute limit rate exceeded", "code": "RATE_LIMIT_EXCEEDED"},
    # §6: the complexity formula is not published. Simulated: 1 point per selected field; a field
    # with a `limit` argument (lists, items_page) multiplies its selection by that limit.
    "complexity_points_per_field": 1,
    # Syntax and validation errors: graphql-core's messages, HTTP 200, no extensions.code.
    "validation_error_http_status": 200,
}

# Published per-plan limits (docs/vendors/monday.md §6, [RL]); the demo account is on Pro with a personal token.
PLAN_LIMITS = {
    "pro": {"minute_queries": 2_500, "concurrency": 100, "complexity_per_minute": 10_000_000},
    "enterprise": {"minute_queries": 5_000, "concurrency": 250, "complexity_per_minute": 10_000_000},
}
DEMO_PLAN = "pro"

ACCOUNT_ID = "9100001"
ADMIN_USER_ID = "51000001"
GUEST_USER_ID = "51000003"
DEMO_TOKEN = "monday-sandbox-personal-token-ada"
# A real token of a guest whom the account does not let use the API: it authenticates, then every
# query is refused with UserUnauthorizedException, HTTP 200, status_code 403 (docs/vendors/monday.md §2).
RESTRICTED_TOKEN = "monday-sandbox-personal-token-gil-guest"
DEMO_TOKENS = {DEMO_TOKEN: ADMIN_USER_ID, RESTRICTED_TOKEN: GUEST_USER_ID}


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


def user_unauthorized() -> GraphQLError:
    # docs/vendors/monday.md §2: the documented application-level error, HTTP 200 with status_code 403.
    return GraphQLError("User unauthorized to perform action",
                        extensions={"code": "UserUnauthorizedException", "error_data": {}, "status_code": 403})


class ComplexityBudget:
    """Per-minute complexity points per account (docs/vendors/monday.md §6): the window opens at the first call
    and resets 60 s later; a query the budget cannot cover is refused and not charged."""

    def __init__(self, clock: Clock, limit: int, window: float = 60.0):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _current(self, key: str) -> tuple[float, int]:
        now = self.clock.now()
        start, used = self._windows.get(key, (now, 0))
        return (now, 0) if now - start >= self.window else (start, used)

    def charge(self, key: str, cost: int) -> tuple[bool, int, int, float]:
        """(allowed, points before, points after, seconds until the budget resets)."""
        with self._lock:
            start, used = self._current(key)
            before = self.limit - used
            allowed = cost <= before
            if allowed:
                used += cost
            self._windows[key] = (start, used)
        return allowed, before, self.limit - used, max(0.0, start + self.window - self.clock.now())

    def left(self, key: str) -> tuple[int, float]:
        with self._lock:
            start, used = self._current(key)
        return self.limit - used, max(0.0, start + self.window - self.clock.now())


class MondaySandbox(VendorSandbox):
    name = "monday"
    prefix = "/monday"
    token_lifetime = UNCONFIRMED["personal_token_lifetime"]
    rate_limit = PLAN_LIMITS[DEMO_PLAN]["minute_queries"]
    rate_window = 60.0
    demo_credentials = {"api_token": DEMO_TOKEN}

    # (GraphQL type, field) → name of the resolver method; every other field reads its dict key.
    RESOLVERS = {
        ("Query", "me"): "resolve_me",
        ("Query", "account"): "resolve_account",
        ("Query", "boards"): "resolve_boards",
        ("Query", "complexity"): "resolve_complexity",
        ("Mutation", "complexity"): "resolve_complexity",
        ("User", "account"): "resolve_account",
        ("Board", "columns"): "resolve_board_columns",
        ("Board", "creator"): "resolve_board_creator",
    }
    # Root fields even a user without API access may ask for.
    OPEN_ROOT_FIELDS = {"complexity"}

    def __init__(self, clock, log):
        # Per-request values the shared pipeline computes before the handler runs (rate key, minute
        # limit state); each request is served on its own thread.
        self._current = threading.local()
        self._request_ids = itertools.count(1)
        super().__init__(clock, log)

    def routes(self):
        return [("/v2", ["POST"], "graphql_endpoint")]

    def reset(self):
        self.complexity = ComplexityBudget(self.clock, PLAN_LIMITS[DEMO_PLAN]["complexity_per_minute"])
        self.account = {
            "id": ACCOUNT_ID, "name": "Northwind Demo", "slug": "northwind-demo", "tier": DEMO_PLAN,
            "country_code": "SE", "first_day_of_the_week": "monday", "show_timeline_weekends": False,
            "active_members_count": 3, "is_during_trial": False, "is_trial_expired": False,
            "created_at": "2023-02-01", "sign_up_product_kind": "core",
            "plan": {"max_users": 25, "period": "yearly", "tier": DEMO_PLAN, "version": 9},
        }
        self.users = {user["id"]: user for user in [
            self._user(ADMIN_USER_ID, "Ada Admin", "ada@northwind.example", "People Ops lead", "admin"),
            self._user("51000002", "Max Member", "max@northwind.example", "Recruiter", "member"),
            self._user(GUEST_USER_ID, "Gil Guest", "gil@partner.example", "Contractor", "guest", api_access=False),
        ]}
        self.boards = [
            self._board("1800000001", "Employees", "Everyone employed by Northwind", 6, [
                ("name", "Name", "name", {}),
                ("text_title", "Job title", "text", {}),
                ("email_1", "Work email", "email", {}),
                ("phone_1", "Phone", "phone", {}),
                ("status", "Employment status", "status",
                 {"labels": {"0": "Onboarding", "1": "Active", "2": "Leaver"}}),
                ("date4", "Start date", "date", {}),
                ("numbers", "FTE", "numbers", {}),
            ]),
            self._board("1800000002", "Onboarding", "New-hire checklist", 3, [
                ("name", "Task", "name", {}),
                ("person", "Owner", "people", {}),
                ("status", "Status", "status", {"labels": {"0": "Working on it", "1": "Done", "2": "Stuck"}}),
                ("timeline", "Timeline", "timeline", {}),
            ]),
            self._board("1800000003", "Hires 2023", "Archived intake board", 0, [("name", "Name", "name", {})],
                        state="archived"),
        ]
        # The token a client presents → the shared issuer's record, so revoke_all() and the shared
        # clock end personal tokens like any other sandbox token.
        self.personal_tokens: dict[str, IssuedToken] = {
            raw: self.tokens.issue({"user_id": user_id, "account_id": ACCOUNT_ID})
            for raw, user_id in DEMO_TOKENS.items()
        }

    def _user(self, user_id, name, email, title, kind, api_access=True) -> dict:
        return {
            "id": user_id, "name": name, "email": email, "title": title, "kind": kind, "api_access": api_access,
            "account_id": ACCOUNT_ID, "created_at": "2023-02-01T08:00:00Z", "status": "ACTIVE",
            "invitation_method": "USER", "is_deleted": False, "is_email_confirmed": True,
            "url": f"https://northwind-demo.monday.com/users/{user_id}", "time_zone_identifier": "Europe/Stockholm",
            "utc_hours_diff": 1.0, "country_code": "SE", "bb_visitor_id": f"bb-{user_id}",
        }

    def _board(self, board_id, name, description, items_count, columns, state="active") -> dict:
        return {
            "id": board_id, "name": name, "description": description, "board_kind": "public", "state": state,
            "permissions": "everyone", "access_level": "edit", "type": "board", "workspace_id": "4100001",
            "items_count": items_count, "creator_id": ADMIN_USER_ID,
            "created_at": "2024-01-08T09:00:00Z", "updated_at": "2026-05-04T12:30:00Z",
            "url": f"https://northwind-demo.monday.com/boards/{board_id}",
            "columns": [
                {"id": column_id, "title": title, "type": column_type, "description": None, "width": None,
                 "archived": False, "settings": settings, "settings_str": json.dumps(settings),
                 "revision": f"{board_id}-{column_id}-1", "capabilities": {}}
                for column_id, title, column_type, settings in columns
            ],
        }

    # --- tokens ---------------------------------------------------------------------------
    def authenticate(self, request: Request) -> IssuedToken | None:
        raw = request.headers.get("Authorization", "").strip()
        if UNCONFIRMED["bearer_prefix_accepted"]:
            raw = self.bearer(request) or raw
        issued = self.personal_tokens.get(raw)
        return self.tokens.validate(issued.value) if issued else None

    def regenerate_token(self, raw: str) -> str:
        """What "Regenerate" in monday's Developer Center does: the old token dies, a new one works."""
        old = self.personal_tokens[raw]
        old.revoked = True
        new = self.tokens.issue(old.subject)
        self.personal_tokens[new.value] = new
        return new.value

    # --- shared pipeline hooks ----------------------------------------------------------------
    def rate_key(self, request):
        # Limits are counted per account (docs/vendors/monday.md §6).
        token = self.authenticate(request)
        self._current.key = f"account:{token.subject['account_id']}" if token else "anonymous"
        return self._current.key

    def rate_headers(self, remaining, reset):
        self._current.minute = (remaining, reset)
        return {"RateLimit-Policy": self.rate_limit_policy(), "RateLimit": self.rate_limit_state()}

    def rate_limit_policy(self) -> str:
        # IETF draft headers on every call (docs/vendors/monday.md §6).
        limits = PLAN_LIMITS[DEMO_PLAN]
        return (f'"minuteRate";q={self.limiter.limit};w={int(self.rate_window)}, '
                f'"concurrency";q={limits["concurrency"]};qu="concurrent-requests", '
                f'"complexityMinute";q={self.complexity.limit};w={int(self.complexity.window)};qu="content-bytes"')

    def rate_limit_state(self) -> str:
        remaining, reset = getattr(self._current, "minute", (self.limiter.limit, self.rate_window))
        minute = f'"minuteRate";r={remaining}' + (f";t={math.ceil(reset)}" if remaining == 0 else "")
        # The concurrency limit is not simulated; its remaining count is reported as constant.
        concurrency = f'"concurrency";r={PLAN_LIMITS[DEMO_PLAN]["concurrency"] - 1}'
        left, reset_in = self.complexity.left(getattr(self._current, "key", "anonymous"))
        return f'{minute}, {concurrency}, "complexityMinute";r={left};t={math.ceil(reset_in)}'

    def rate_limited_response(self, retry_after):
        error = UNCONFIRMED["minute_limit_error"]
        body = {"errors": [graphql_error(error["message"], error["code"], 429, retry_in_seconds=retry_after)]}
        return json_response(body, 429, {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        code = UNCONFIRMED["transport_error_codes"].get(status, "InternalServerError")
        return json_response({"errors": [graphql_error(message, code, status)]}, status)

    # --- the endpoint ---------------------------------------------------------------------------
    def graphql_endpoint(self, request: Request) -> Response:
        token = self.authenticate(request)
        if token is None:
            return json_response(UNCONFIRMED["unauthorized_body"], 401)
        user = self.users[token.subject["user_id"]]
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return json_response({"errors": [graphql_error("Invalid JSON in request body", "JsonParseException", 400)]},
                                 400)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return self.error_response(400, "Bad request")
        version = request.headers.get("API-Version") or CURRENT_API_VERSION
        if not API_VERSION_FORMAT.match(version):
            # Malformed versions are refused with HTTP 200; unknown well-formed ones are served as current (§1).
            return self.envelope({"errors": [graphql_error(UNCONFIRMED["invalid_version_message"],
                                                           "InvalidVersionException", error_data={})]})
        schema = sdl_schema()
        variables = payload.get("variables") or {}
        operation_name = payload.get("operationName")
        try:
            document = graphql.parse(payload["query"])
        except GraphQLError as error:
            return self.envelope({"errors": [error.formatted]}, UNCONFIRMED["validation_error_http_status"])
        invalid = graphql.validate(schema, document)
        if invalid:
            return self.envelope({"errors": [error.formatted for error in invalid]},
                                 UNCONFIRMED["validation_error_http_status"])

        key = f"account:{token.subject['account_id']}"
        cost = self.estimate_complexity(schema, document, operation_name, variables)
        allowed, before, after, reset_in = self.complexity.charge(key, cost)
        if not allowed:
            # API ≥ 2025-07 body, HTTP 429 (docs/vendors/monday.md §6 [CHG], [ERR]); errors carry Retry-After too.
            wait = max(1, math.ceil(reset_in))
            body = {"errors": [graphql_error("Complexity budget exhausted", "COMPLEXITY_BUDGET_EXHAUSTED",
                                             retry_in_seconds=wait)]}
            response = self.envelope(body, 429, {"Retry-After": str(wait)})
        else:
            context = {"user": user, "complexity": {"before": before, "after": after, "query": cost,
                                                    "reset_in_x_seconds": math.ceil(reset_in)}}
            result = graphql.execute_sync(schema, document, context_value=context, variable_values=variables,
                                          operation_name=operation_name, field_resolver=self.resolve_field)
            body = {"data": result.data}
            if result.errors:
                body["errors"] = [error.formatted for error in result.errors]
            response = self.envelope(body)
        response.headers["RateLimit"] = self.rate_limit_state()
        return response

    def envelope(self, body: dict, status: int = 200, headers: dict | None = None) -> Response:
        """monday's response envelope: request_id in extensions, account_id beside data (docs/vendors/monday.md §2)."""
        body = {**body, "extensions": {"request_id": f"sandbox-{next(self._request_ids):08d}"},
                "account_id": int(ACCOUNT_ID)}
        return json_response(body, status, headers)

    # --- complexity -------------------------------------------------------------------------------
    def estimate_complexity(self, schema, document, operation_name, variables) -> int:
        operation = graphql.get_operation_ast(document, operation_name)
        if operation is None:
            return 0  # execution reports the ambiguity itself
        root = schema.get_root_type(operation.operation)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)}
        return self._selection_cost(schema, operation.selection_set, root, fragments, variables)

    def _selection_cost(self, schema, selection_set, parent_type, fragments, variables) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = getattr(parent_type, "fields", {}).get(selection.name.value)
                if field is None:  # __typename and friends are free
                    continue
                total += UNCONFIRMED["complexity_points_per_field"]
                if selection.selection_set:
                    inner = self._selection_cost(schema, selection.selection_set, graphql.get_named_type(field.type),
                                                 fragments, variables)
                    total += inner * self._limit(field, selection, variables)
            elif isinstance(selection, InlineFragmentNode):
                fragment_type = (schema.get_type(selection.type_condition.name.value)
                                 if selection.type_condition else parent_type)
                total += self._selection_cost(schema, selection.selection_set, fragment_type, fragments, variables)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
                fragment = fragments[selection.name.value]
                total += self._selection_cost(schema, fragment.selection_set,
                                              schema.get_type(fragment.type_condition.name.value), fragments, variables)
        return total

    @staticmethod
    def _limit(field, node, variables) -> int:
        if "limit" not in field.args:
            return 1
        argument = field.args["limit"]
        given = next((a.value for a in node.arguments or () if a.name.value == "limit"), None)
        if given is None and argument.ast_node is not None:
            given = argument.ast_node.default_value
        value = value_from_ast(given, argument.type, variables) if given is not None else None
        return max(1, value) if isinstance(value, int) else 1

    # --- resolvers -------------------------------------------------------------------------------
    def resolve_field(self, source, info, **args):
        parent = info.parent_type.name
        method = self.RESOLVERS.get((parent, info.field_name))
        if parent in ("Query", "Mutation"):
            if info.field_name not in self.OPEN_ROOT_FIELDS and not info.context["user"]["api_access"]:
                raise user_unauthorized()
            if method is None:
                raise GraphQLError(f"The monday sandbox does not simulate {parent}.{info.field_name} yet.",
                                   extensions={"code": "SandboxUnsupportedField"})
        if method is not None:
            return getattr(self, method)(source, info, **args)
        return graphql.default_field_resolver(source, info, **args)

    def resolve_me(self, source, info):
        return info.context["user"]

    def resolve_account(self, source, info):
        return self.account

    def resolve_complexity(self, source, info):
        return info.context["complexity"]

    def resolve_boards(self, source, info, ids=None, limit=25, page=1, state="active", board_kind=None,
                       workspace_ids=None, **unsimulated_filters):
        boards = [
            board for board in self.boards
            if (not ids or board["id"] in ids)
            and (state == "all" or board["state"] == state)
            and (board_kind is None or board["board_kind"] == board_kind)
            and (not workspace_ids or board["workspace_id"] in workspace_ids)
        ]
        # Page-numbered, 1-based (docs/vendors/monday.md §3); a page past the end is an empty list.
        start = (max(page or 1, 1) - 1) * (limit or 25)
        return boards[start:start + (limit or 25)]

    def resolve_board_columns(self, board, info, ids=None, types=None):
        return [column for column in board["columns"]
                if (ids is None or column["id"] in ids) and (types is None or column["type"] in types)]

    def resolve_board_creator(self, board, info):
        return self.users[board["creator_id"]]


SANDBOX = MondaySandbox
