"""The HTTP and GraphQL surface of the monday sandbox: `POST /monday/v2`.

graphql-core executes every document against monday's official SDL (`specs/monday/schema.graphql`), so a
query the real API would reject for its shape is rejected here with a real validation error. Fields are mapped
onto resolvers per (type, field) in `RESOLVERS` (`resolvers.py`); every other field reads its dict key.
Order of the checks per request: token (401) → concurrency, daily calls (429) → JSON, version, validation →
complexity per query and per minute → execution (errors in 200; a locked board 423).
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
    MEMBER_USER_ID,
    PLAN_LIMITS,
    UNCONFIRMED,
    Refused,
    graphql_error,
    sdl_schema,
    user_unauthorized,
)
from sandbox.vendors.monday.resolvers import OPEN_ROOT_FIELDS, RESOLVERS
from sandbox.vendors.monday.oauth import OAuthServer
from sandbox.vendors.monday.webhooks import WebhookDispatcher


class MondaySandbox(VendorSandbox):
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

    def control(self, request: Request, action: str) -> Response:
        """`POST /monday/_control/user_sets_status {item_id, column_id, label}`: a board user's change, webhooks and all."""
        arguments = self.body_json(request)
        if action != "user_sets_status" or not isinstance(arguments, dict):
            return json_response({"message": "Known control actions: user_sets_status {item_id, column_id, label}."},
                                 404)
        try:
            item = self.user_sets_status(str(arguments["item_id"]), str(arguments["column_id"]), str(arguments["label"]))
        except (KeyError, TypeError) as error:
            return json_response({"message": f"missing or bad argument: {error}"}, 400)
        except Exception as error:  # monday's own refusals (unknown item, label) as the API would word them
            return json_response({"message": str(error)}, 400)
        return json_response({"id": item["id"], "values": item["values"]})

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

    # --- what tests and the demo do "as a user on the board" ----------------------------------------
    def user_sets_status(self, item_id: str, column_id: str, label: str, *, user_id: str = MEMBER_USER_ID) -> dict:
        """A board user picks a status label in monday's UI: the value changes and webhooks fire."""
        item = self.data.item(item_id)
        return self.data.change_values(item["board_id"], item_id, {column_id: {"label": label}}, user_id=user_id)

    def items_limit_set(self, limit: int, board_id: str | None = None) -> None:
        """monday's per-board item cap (10,000, §4) for one board, or for every board (and those made later)."""
        with self.data._lock:
            if board_id is None:
                self.data.items_per_board = limit
            for board in self.data.boards.values():
                if board_id is None or board["id"] == str(board_id):
                    board["items_limit"] = limit

    def lock_board(self, board_id: str, locked: bool = True) -> None:
        """Simulate another update in progress: mutations on the board answer 423 until unlocked."""
        (self.data.locked.add if locked else self.data.locked.discard)(str(board_id))

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        return self.webhooks.flush(timeout)

    def publish_change(self, board, item, column, previous, raw, user_id) -> None:
        group = next(g for g in board["groups"] if g["id"] == item["group_id"])
        event = {"app": "monday", "triggerTime": self.data.now_iso(), "userId": int(user_id),
                 "boardId": int(board["id"]), "pulseId": int(item["id"]), "pulseName": item["name"],
                 "groupId": group["id"], "groupName": group["title"], "groupColor": group["color"],
                 "isTopGroup": group is board["groups"][0]}
        if column is None:
            self.webhooks.publish(board["id"], lambda w: w["event"] == "create_item",
                                  {**event, "type": "create_pulse", "columnValues": {}})
            return
        event.update(type="update_column_value", columnId=column["id"], columnType=column["type"],
                     columnTitle=column["title"], value=seed.event_value(column, raw, self.users),
                     previousValue=seed.event_value(column, previous, self.users), changedAt=self.clock.now())

        def wants(webhook):
            config = json.loads(webhook["config"]) if webhook["config"] else {}
            return (webhook["event"] == "change_column_value"
                    or (webhook["event"] == "change_status_column_value" and column["type"] == "status")
                    or (webhook["event"] == "change_specific_column_value" and config.get("columnId") == column["id"]))

        self.webhooks.publish(board["id"], wants, event)

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

    # --- shared pipeline hooks ----------------------------------------------------------------
    def rate_key(self, request):
        # Limits are counted per account (docs/vendors/monday.md §6).
        found = self.authenticate(request)
        self._current.key = f"account:{found[0].subject['account_id']}" if found else "anonymous"
        return self._current.key

    def rate_headers(self, remaining, reset):
        self._current.minute = (remaining, reset)
        return {"RateLimit-Policy": self.rate_limit_policy(), "RateLimit": self.rate_limit_state()}

    def rate_limit_policy(self) -> str:
        # IETF draft headers on every call (docs/vendors/monday.md §6).
        return (f'"minuteRate";q={self.limiter.limit};w={int(self.rate_window)}, '
                f'"concurrency";q={self.concurrency.limit};qu="concurrent-requests", '
                f'"complexityMinute";q={self.complexity.limit};w={int(self.complexity.window)};qu="content-bytes"')

    def rate_limit_state(self) -> str:
        remaining, reset = getattr(self._current, "minute", (self.limiter.limit, self.rate_window))
        key = getattr(self._current, "key", "anonymous")
        minute = f'"minuteRate";r={remaining}' + (f";t={math.ceil(reset)}" if remaining == 0 else "")
        # This request is still in flight while the header is written, so it is not counted as free.
        concurrency = f'"concurrency";r={self.concurrency.left(key)}'
        left, reset_in = self.complexity.left(key)
        return f'{minute}, {concurrency}, "complexityMinute";r={left};t={math.ceil(reset_in)}'

    def rate_limited_response(self, retry_after):
        error = UNCONFIRMED["minute_limit_error"]
        return self.refusal(429, error["message"], error["code"], retry_after)

    def refusal(self, status, message, code, retry_after=None) -> Response:
        extra = {"retry_in_seconds": retry_after} if retry_after is not None else {}
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return json_response({"errors": [graphql_error(message, code, status, **extra)]}, status, headers)

    def error_response(self, status, message):
        code = UNCONFIRMED["transport_error_codes"].get(status, "InternalServerError")
        return json_response({"errors": [graphql_error(message, code, status)]}, status)

    def handle(self, request, path):
        # Concurrency counts every request of the account in flight, from arrival to answer (§6).
        key = self.rate_key(request)
        if not self.concurrency.enter(key):
            return self.refusal(429, UNCONFIRMED["concurrency_limit_message"], "maxConcurrencyExceeded", 1)
        try:
            return super().handle(request, path)
        finally:
            self.concurrency.leave(key)

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
