"""The HTTP and GraphQL surface of the monday sandbox: `POST /monday/v2`.

graphql-core executes every document against monday's official SDL (`specs/monday/schema.graphql`), so a
query the real API would reject for its shape is rejected here with a real validation error. Fields are mapped
onto resolvers per (type, field) in `RESOLVERS` (`resolvers.py`); every other field reads its dict key.
Order of the checks per request: token (401) → concurrency, daily calls (429) → JSON, version, validation →
complexity per query and per minute → execution (errors in 200; a locked board 423). The limits and the
refusals' bodies are GatewayMixin's (gateway.py); the sandbox-only control route and the webhooks a board
change fires, ControlMixin's (control.py).
"""
from __future__ import annotations

import itertools
import json
import math
import threading

import graphql
from graphql import GraphQLError
from werkzeug.wrappers import Request, Response

from sandbox.core import FixedWindowLimiter, IssuedToken, VendorSandbox, json_response
from sandbox.vendors.monday import limits, seed
from sandbox.vendors.monday.boards import Boards
from sandbox.vendors.monday.contract import (
    ACCOUNT_ID,
    API_VERSION_FORMAT,
    APP_SIGNING_SECRET,
    CURRENT_API_VERSION,
    DEMO_PLAN,
    DEMO_TOKEN,
    DEMO_TOKENS,
    PLAN_LIMITS,
    UNCONFIRMED,
    Refused,
    graphql_error,
    sdl_schema,
    user_unauthorized,
)
from sandbox.vendors.monday.control import ControlMixin
from sandbox.vendors.monday.gateway import GatewayMixin
from sandbox.vendors.monday.resolvers import OPEN_ROOT_FIELDS, RESOLVERS
from sandbox.vendors.monday.oauth import OAuthServer
from sandbox.vendors.monday.webhooks import WebhookDispatcher


class MondaySandbox(ControlMixin, GatewayMixin, VendorSandbox):
    name = "monday"
    prefix = "/monday"
    token_lifetime = UNCONFIRMED["personal_token_lifetime"]
    rate_limit = PLAN_LIMITS[DEMO_PLAN]["minute_queries"]
    rate_window = 60.0
    demo_credentials = {"api_token": DEMO_TOKEN}

    def __init__(self, clock, log):
        # Per-request values the shared pipeline computes before the handler runs (rate key, minute
        # limit state); each request is served on its own thread.
        self._current = threading.local()
        self._request_ids = itertools.count(1)
        self.webhooks = WebhookDispatcher(clock, APP_SIGNING_SECRET)
        self.oauth = OAuthServer(clock, self.app_token_issue)
        super().__init__(clock, log)

    # Sandbox control, not a monday API (the demo drives the board from another process), and OAuth (monday's
    # auth host, outside the API's limits): no limits apply.
    unthrottled_paths = ("/_control/", "/oauth2/")

    def routes(self):
        return [("/v2", ["POST"], "graphql_endpoint"), ("/_control/<action>", ["POST"], "control"),
                ("/oauth2/authorize", ["GET"], "oauth_authorize"), ("/oauth2/token", ["POST"], "oauth_token")]

    def oauth_authorize(self, request: Request) -> Response:
        return self.oauth.authorize(request)

    def oauth_token(self, request: Request) -> Response:
        return self.oauth.token(request)

    def app_token_issue(self, user_id: str) -> str:
        """An OAuth install's token: it acts as `user_id` and is an app token (signed webhooks)."""
        issued = self.tokens.issue({"user_id": user_id, "account_id": ACCOUNT_ID})
        self.personal_tokens[issued.value] = (issued, "app")
        return issued.value

    def reset(self):
        limits_of_plan = PLAN_LIMITS[DEMO_PLAN]
        self.complexity = limits.ComplexityBudget(self.clock, limits_of_plan["complexity_per_minute"])
        self.daily = limits.DailyCalls(self.clock, limits_of_plan["daily_calls"])
        self.concurrency = limits.Concurrency(limits_of_plan["concurrency"])
        self.create_board_limiter = FixedWindowLimiter(self.clock, UNCONFIRMED["create_board_per_minute"], 60.0)
        self.webhooks.reset()
        self.account = seed.account()
        self.users = seed.users()
        self.workspaces = seed.workspaces()
        self.data = Boards(self.clock, self.users, self.publish_change)
        seed.boards(self.data)
        # The token a client presents → the shared issuer's record, so revoke_all() and the shared
        # clock end personal tokens like any other sandbox token.
        self.personal_tokens: dict[str, tuple[IssuedToken, str]] = {
            raw: (self.tokens.issue({"user_id": user_id, "account_id": ACCOUNT_ID}), kind)
            for raw, (user_id, kind) in DEMO_TOKENS.items()
        }

    def dump_state(self) -> dict:
        """Boards, items and webhooks, to bring the account back after a restart; JSON-serialisable."""
        return {"version": 1, "data": self.data.dump(), "webhooks": dict(self.webhooks.webhooks)}

    def load_state(self, state: dict) -> None:
        if state.get("version") != 1:
            raise ValueError(f"unknown monday sandbox state version {state.get('version')!r}")
        self.data.load(state["data"])
        self.webhooks.load(state["webhooks"])

    # --- tokens ---------------------------------------------------------------------------
    def authenticate(self, request: Request) -> tuple[IssuedToken, str] | None:
        raw = request.headers.get("Authorization", "").strip()
        if UNCONFIRMED["bearer_prefix_accepted"]:
            raw = self.bearer(request) or raw
        issued, kind = self.personal_tokens.get(raw, (None, None))
        token = self.tokens.validate(issued.value) if issued else None
        return (token, kind) if token else None

    def regenerate_token(self, raw: str) -> str:
        """What "Regenerate" in monday's Developer Center does: the old token dies, a new one works."""
        old, kind = self.personal_tokens[raw]
        old.revoked = True
        new = self.tokens.issue(old.subject)
        self.personal_tokens[new.value] = (new, kind)
        return new.value

    # --- the endpoint ---------------------------------------------------------------------------
    def graphql_endpoint(self, request: Request) -> Response:
        found = self.authenticate(request)
        if found is None:
            return json_response(UNCONFIRMED["unauthorized_body"], 401)
        token, token_kind = found
        key = f"account:{token.subject['account_id']}"
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

        cost = limits.query_complexity(schema, document, operation_name, variables)
        operation = graphql.get_operation_ast(document, operation_name)
        # A query of `complexity { … }` alone counts 0.1 call (§6).
        complexity_only = operation is not None and all(
            getattr(s, "name", None) and s.name.value == "complexity" for s in operation.selection_set.selections)
        if not self.daily.count(key, 0.1 if complexity_only else 1.0):
            wait = self.daily.seconds_to_midnight()
            return self.refusal(429, UNCONFIRMED["daily_limit_message"], "DAILY_LIMIT_EXCEEDED", wait)
        if cost > UNCONFIRMED["max_query_complexity"]:
            message = (f"Query has complexity of {cost}, which exceeds max complexity of "
                       f"{UNCONFIRMED['max_query_complexity']}")
            return self.envelope({"errors": [graphql_error(message, UNCONFIRMED["max_complexity_code"], 200)]})
        allowed, before, after, reset_in = self.complexity.charge(key, cost)
        if not allowed:
            # API ≥ 2025-07 body, HTTP 429 (docs/vendors/monday.md §6 [CHG], [ERR]); errors carry Retry-After too.
            wait = max(1, math.ceil(reset_in))
            body = {"errors": [graphql_error("Complexity budget exhausted", "COMPLEXITY_BUDGET_EXHAUSTED",
                                             retry_in_seconds=wait)]}
            response = self.envelope(body, 429, {"Retry-After": str(wait)})
        else:
            context = {"user": user, "token_kind": token_kind, "account_key": key,
                       "complexity": {"before": before, "after": after, "query": cost,
                                      "reset_in_x_seconds": math.ceil(reset_in)}}
            result = graphql.execute_sync(schema, document, context_value=context, variable_values=variables,
                                          operation_name=operation_name, field_resolver=self.resolve_field)
            refused = next((e.original_error for e in result.errors or ()
                            if isinstance(e.original_error, Refused)), None)
            if refused is not None:
                return self.refusal(refused.status, refused.message, refused.code, refused.retry_in_seconds)
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

    def resolve_field(self, source, info, **args):
        parent = info.parent_type.name
        method = RESOLVERS.get((parent, info.field_name))
        if parent in ("Query", "Mutation"):
            if info.field_name not in OPEN_ROOT_FIELDS and not info.context["user"]["api_access"]:
                raise user_unauthorized()
            if method is None:
                raise GraphQLError(f"The monday sandbox does not simulate {parent}.{info.field_name} yet.",
                                   extensions={"code": "SandboxUnsupportedField"})
        if method is not None:
            return method(self, source, info, **args)
        return graphql.default_field_resolver(source, info, **args)
