"""The Rippling REST API sandbox: routes, API-key auth, list conventions, expansion and redaction.

Data lives in `RipplingData` (store.py); the query language and cursor in query.py; everything
the contract leaves open in `contract.UNCONFIRMED`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, TokenIssuer, VendorSandbox, json_response
from sandbox.vendors.rippling.contract import API_KEYS, COMPANY_ID, DAY, DEMO_API_KEY, UNCONFIRMED, rippling_error
from sandbox.vendors.rippling.oauth import OAuthServer
from sandbox.vendors.rippling.query import (
    TIMESTAMP_FIELDS,
    CursorState,
    QueryError,
    decode_cursor,
    encode_cursor,
    parse_filter,
    sort_key,
)
from sandbox.vendors.rippling.seed import default_data, generated_data
from sandbox.vendors.rippling.store import RipplingData
from sandbox.vendors.rippling.webhooks import WebhookSender

SORTABLE = ("id", "created_at", "updated_at")
SENSITIVE_SCOPE = "workers.sensitive.personal.read"


@dataclass(frozen=True)
class Relation:
    """An expandable field: where its record lives, which field holds the id(s), the scope to read it."""

    collection: str | None
    id_field: str | None
    scope: str


@dataclass(frozen=True)
class Resource:
    collection: str
    scope: str
    # Field -> "string" | "datetime"; None where the spec declares no `filter` parameter.
    filterable: dict | None = None
    expandable: dict = field(default_factory=dict)


# From each operation's description in rest_openapi.json ("Filterable fields", "Expandable fields").
WORKERS = Resource("workers", "workers.read", filterable={
    "status": "string", "work_email": "string", "user_id": "string", "created_at": "datetime", "updated_at": "datetime",
}, expandable={
    "user": Relation("users", "user_id", "users.read"),
    "manager": Relation("workers", "manager_id", "workers.read"),
    "legal_entity": Relation("legal_entities", "legal_entity_id", "legal-entities.read"),
    "employment_type": Relation("employment_types", "employment_type_id", "employment-types.read"),
    "compensation": Relation("compensations", "compensation_id", "compensations.read"),
    "department": Relation("departments", "department_id", "departments.read"),
    "teams": Relation("teams", "teams_id", "teams.read"),
    "level": Relation("levels", "level_id", "levels.read"),
    "custom_fields": Relation(None, None, "workers.custom-fields.read"),
    "business_partners": Relation("business_partners", "business_partners_id", "workers.read"),
})
USERS = Resource("users", "users.read")
DEPARTMENTS_RESOURCE = Resource("departments", "departments.read", expandable={
    "parent": Relation("departments", "parent_id", "departments.read"),
    "department_hierarchy": Relation("departments", "department_hierarchy_id", "departments.read"),
})
WORK_LOCATIONS = Resource("work_locations", "work-locations.read")
EMPLOYMENT_TYPES = Resource("employment_types", "employment-types.read")
TEAMS_RESOURCE = Resource("teams", "teams.read", expandable={"parent": Relation("teams", "parent_id", "teams.read")})
LEVELS_RESOURCE = Resource("levels", "levels.read", expandable={"parent": Relation("levels", "parent_id", "levels.read")})
COMPANIES = Resource("companies", "companies.read", expandable={
    "parent_legal_entity": Relation("legal_entities", "parent_legal_entity_id", "legal-entities.read"),
    "legal_entities": Relation("legal_entities", "legal_entities_id", "legal-entities.read"),
})
RESOURCES = {"workers": WORKERS, "users": USERS, "departments": DEPARTMENTS_RESOURCE,
             "work-locations": WORK_LOCATIONS, "employment-types": EMPLOYMENT_TYPES, "companies": COMPANIES,
             "teams": TEAMS_RESOURCE, "levels": LEVELS_RESOURCE}
# The spec has `GET /{resource}/{id}/` for these, not for /companies/.
SINGLE_GET = ("workers", "users", "departments", "work-locations", "employment-types", "teams", "levels")


class ApiKeyRegistry(TokenIssuer):
    """Static API keys on the shared token machinery, so revocation and expiry faults apply.

    A key does not expire on a fixed date; it dies after a stretch without use (docs/vendors/rippling.md §1,
    UNCONFIRMED), so every successful validation pushes its expiry out again.
    """

    def register(self, value: str, subject: dict) -> IssuedToken:
        key = IssuedToken(value, dict(subject), self.clock.now() + self.lifetime)
        with self._lock:
            self._tokens[value] = key
        return key

    def validate(self, value: str | None) -> IssuedToken | None:
        key = super().validate(value)
        if key is not None:
            key.expires_at = self.clock.now() + self.lifetime
        return key


class RipplingSandbox(VendorSandbox):
    name = "rippling"
    prefix = "/rippling"
    token_lifetime = UNCONFIRMED["api_key_idle_expiry_days"] * DAY
    rate_limit = UNCONFIRMED["rate_limit_per_minute"]
    rate_window = 60.0
    # The control route is the sandbox's own, so faults and rate limits leave it alone.
    unthrottled_paths = ("/_control/", "/api/o/token/", "/o/authorize")
    demo_credentials = {"api_key": DEMO_API_KEY}
    # Flip in a test to serve next_link relative to the host, as PostHog saw (docs/vendors/rippling.md §3).
    relative_next_links = False

    def routes(self):
        # Trailing slashes as in the spec; the url map is built with strict_slashes=False so
        # `/workers` (as BATON and PostHog call it) answers too (docs/vendors/rippling.md §2).
        rules = [(f"/{path}/", ["GET"], "list_resource") for path in RESOURCES]
        rules += [(f"/{path}/<row_id>/", ["GET"], "get_resource") for path in SINGLE_GET]
        # Sandbox control, not a Rippling API: POST /rippling/_control/<action> with JSON arguments.
        rules.append(("/_control/<action>", ["POST"], "control"))
        # App Shop installs (docs/vendors/rippling.md §1): Rippling serves these on app.rippling.com.
        rules.append(("/o/authorize", ["GET"], "oauth_authorize"))
        rules.append(("/api/o/token/", ["POST"], "oauth_token"))
        return rules

    def reset(self):
        self.tokens = ApiKeyRegistry(self.clock, self.token_lifetime, prefix=self.name)
        for value, subject in API_KEYS.items():
            self.tokens.register(value, {**subject, "company_id": COMPANY_ID})
        # Companies whose plan includes API Tier 1 (docs/vendors/rippling.md §1); the demo company has it.
        self.entitled_companies = {COMPANY_ID}
        self.relative_next_links = type(self).relative_next_links
        self.data = RipplingData(self.clock, default_data())
        self.oauth = OAuthServer(self.clock)
        self.webhooks = WebhookSender()

    # --- test helpers (Python; the control route calls the same) ----------------------------------
    def seed(self, workers: int = 6, departments: int = 3, seed: int = 1) -> dict:
        """Replace the company with a generated one (deterministic per `seed`)."""
        self.data = RipplingData(self.clock, generated_data(workers=workers, departments=departments, seed=seed))
        return {"workers": len(self.data["workers"]), "departments": len(self.data["departments"])}

    def worker(self, worker_id: str) -> dict:
        return self.data.worker(worker_id)

    def worker_ids(self) -> list[str]:
        return sorted(self.data["workers"].rows)

    def table_sizes(self) -> dict[str, int]:
        return {name: len(collection) for name, collection in self.data.collections.items()}

    def hire(self, **fields) -> dict:
        return self.notified("employee.created", self.data.hire(**fields))

    def update_worker(self, worker_id: str, **changes) -> dict:
        return self.notified("employee.updated", self.data.update_worker(worker_id, **changes))

    def terminate(self, worker_id: str, date, reason: str = "", termination_type: str = "VOLUNTARY") -> dict:
        worker = self.data.terminate(worker_id, date, reason, termination_type=termination_type)
        self.oauth.installer_terminated(worker_id)  # all tokens of their installs die (§1)
        return self.notified("employee.updated", worker)

    def rehire(self, worker_id: str, start_date, new_worker: bool = False) -> dict:
        worker = self.data.rehire(worker_id, start_date, new_worker=new_worker)
        return self.notified("employee.created" if new_worker else "employee.updated", worker)

    def set_compensation(self, worker_id: str, **fields) -> dict:
        compensation = self.data.set_compensation(worker_id, **fields)
        self.webhooks.notify("employee.updated", worker_id)
        return compensation

    def notified(self, event_name: str, worker: dict) -> dict:
        self.webhooks.notify(event_name, worker["id"])
        return worker

    # --- App Shop: installs and webhook URLs (Python helpers; the control route calls the same) -----
    def install_code(self, client_id: str, redirect_uri: str) -> dict:
        """An install approved by the company's admin, without a browser: the code it sends back."""
        return {"code": self.oauth.code_issue(client_id=client_id, redirect_uri=redirect_uri)}

    def register_webhook(self, url: str) -> dict:
        return self.webhooks.register(url)

    def drop_webhooks(self, count: int = 1) -> dict:
        return self.webhooks.drop_next(count)

    def repeat_webhooks(self, count: int = 1, times: int = 2) -> dict:
        return self.webhooks.repeat_next(count, times)

    def oauth_authorize(self, request: Request) -> Response:
        return self.oauth.authorize(request)

    def oauth_token(self, request: Request) -> Response:
        return self.oauth.token(request)

    def add_department(self, name: str, parent_id: str | None = None, reference_code: str | None = None) -> dict:
        return self.data.add_department(name, parent_id=parent_id, reference_code=reference_code)

    def update_department(self, department_id: str, **changes) -> dict:
        return self.data.update_department(department_id, **changes)

    def inject_malformed_worker(self, kind: str = "missing_required") -> dict:
        return self.data.inject_malformed_worker(kind)

    def control(self, request: Request, action: str) -> Response:
        """Sandbox control, not a Rippling API: runs one helper above with the JSON body as arguments."""
        actions = {"seed": self.seed, "worker_ids": self.worker_ids, "hire": self.hire, "update_worker": self.update_worker,
                   "terminate": self.terminate, "rehire": self.rehire, "add_department": self.add_department,
                   "update_department": self.update_department, "inject_malformed_worker": self.inject_malformed_worker,
                   "install_code": self.install_code, "set_compensation": self.set_compensation, "register_webhook": self.register_webhook,
                   "drop_webhooks": self.drop_webhooks, "repeat_webhooks": self.repeat_webhooks}
        if action not in actions:
            return rippling_error(404, f"Unknown sandbox control action {action!r}; one of {', '.join(actions)}.")
        arguments = self.body_json(request)
        if not isinstance(arguments, dict):
            arguments = {}
        try:
            return json_response(actions[action](**arguments))
        except KeyError as error:
            return rippling_error(404, str(error.args[0] if error.args else error))
        except (TypeError, ValueError) as error:
            return rippling_error(400, str(error))

    # --- shared pipeline hooks ------------------------------------------------------
    def credential(self, presented: str | None) -> IssuedToken | None:
        """A customer API key, or an App Shop install's OAuth access token."""
        return self.tokens.validate(presented) or self.oauth.access.validate(presented)

    def rate_key(self, request):
        key = self.credential(self.bearer(request))
        return f"key:{key.subject['name']}" if key else "anonymous"

    def rate_headers(self, remaining, reset):
        return {}  # none documented (docs/vendors/rippling.md §7)

    def rate_limited_response(self, retry_after):
        return rippling_error(429, UNCONFIRMED["rate_limit_detail"].format(seconds=retry_after),
                              {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return rippling_error(status, message)

    def authorize(self, request: Request, scope: str) -> tuple[IssuedToken | None, Response | None]:
        """The calling key, or the 401/403 Rippling answers instead (docs/vendors/rippling.md §1, §6)."""
        presented = self.bearer(request)
        if not presented:
            return None, rippling_error(401, UNCONFIRMED["missing_credentials_detail"])
        key = self.credential(presented)
        if key is None:
            return None, rippling_error(401, UNCONFIRMED["unauthorized_detail"])
        if key.subject["company_id"] not in self.entitled_companies:
            return None, rippling_error(UNCONFIRMED["missing_entitlement_status"], UNCONFIRMED["forbidden_detail"])
        if scope not in key.subject["scopes"]:
            return None, rippling_error(403, UNCONFIRMED["forbidden_detail"])
        return key, None

    # --- endpoints --------------------------------------------------------------------
    def list_resource(self, request: Request) -> Response:
        resource = RESOURCES[request.path.rstrip("/").rsplit("/", 1)[-1]]
        key, denied = self.authorize(request, resource.scope)
        if denied is not None:
            return denied
        try:
            return self.list_page(request, resource, key.subject["scopes"])
        except QueryError as error:
            return rippling_error(400, str(error))

    def get_resource(self, request: Request, row_id: str) -> Response:
        resource = RESOURCES[request.path.rstrip("/").rsplit("/", 2)[-2]]
        key, denied = self.authorize(request, resource.scope)
        if denied is not None:
            return denied
        try:
            refused = self.undeclared(request, resource, single=True)
            if refused:
                return refused
            expand = self.expand_names(request.args.get("expand", ""), resource)
        except QueryError as error:
            return rippling_error(400, str(error))
        row = self.data[resource.collection].get(row_id)
        if row is None:
            return rippling_error(404, UNCONFIRMED["not_found_detail"])
        redacted: list[str] = []
        body = self.present(resource, row, expand, key.subject["scopes"], redacted)
        # A single record is the object itself plus `__meta` (allOf MetaResponse + resource).
        return json_response({**body, "__meta": {"redacted_fields": self.redacted_fields(redacted)}})

    # --- the REST list conventions (docs/vendors/rippling.md §3) -------------------------------------------
    def list_page(self, request: Request, resource: Resource, scopes: tuple[str, ...]) -> Response:
        """`{__meta, results, next_link}`, keyset-paged: the cursor carries the whole query."""
        args = request.args
        if args.get("cursor"):
            state = decode_cursor(args["cursor"])
            if state is None:
                return rippling_error(400, UNCONFIRMED["invalid_cursor_detail"])
        else:
            refused = self.undeclared(request, resource, single=False)
            if refused:
                return refused
            try:
                limit = int(args.get("limit", UNCONFIRMED["default_page_size"]))
            except ValueError:
                return rippling_error(400, "limit must be an integer.")
            state = CursorState(order_by=args.get("order_by") or UNCONFIRMED["default_order_by"],
                                limit=max(1, min(limit, UNCONFIRMED["max_page_size"])),
                                filter=args.get("filter", ""), expand=args.get("expand", ""), after=())
        if state.order_by not in SORTABLE:
            return rippling_error(400, f"Cannot order by {state.order_by!r}; sortable fields: {', '.join(SORTABLE)}.")
        if state.after and not isinstance(state.after[0], int if state.order_by in TIMESTAMP_FIELDS else str):
            return rippling_error(400, UNCONFIRMED["invalid_cursor_detail"])
        row_filter = parse_filter(state.filter, resource.filterable or {})
        expand = self.expand_names(state.expand, resource)
        low, high = row_filter.bounds(state.order_by) if state.order_by in TIMESTAMP_FIELDS else (None, None)

        rows, more = [], False
        with self.data.lock:
            collection = self.data[resource.collection]
            for row in collection.scan(state.order_by, after=state.after or None, low=low, high=high):
                if not row_filter.matches(row):
                    continue
                if len(rows) == state.limit:
                    more = True
                    break
                rows.append(row)
        redacted: list[str] = []
        body = {"__meta": {}, "results": [self.present(resource, row, expand, scopes, redacted) for row in rows]}
        body["__meta"]["redacted_fields"] = self.redacted_fields(redacted)
        if more:
            # The spec has no nullable next_link: on the last page it is simply absent.
            last = rows[-1]
            after = (sort_key(state.order_by, last), last["id"])
            body["next_link"] = self.next_link(request, encode_cursor(
                CursorState(state.order_by, state.limit, state.filter, state.expand, after)))
        return json_response(body)

    def undeclared(self, request: Request, resource: Resource, *, single: bool) -> Response | None:
        """A 400 for `filter`/`expand` where the spec does not declare them, instead of ignoring them."""
        declared = {"expand": bool(resource.expandable),
                    "filter": resource.filterable is not None and not single}
        for parameter, allowed in declared.items():
            if request.args.get(parameter) and not allowed:
                return rippling_error(400, UNCONFIRMED["undeclared_parameter_detail"].format(parameter=parameter))
        return None

    @staticmethod
    def expand_names(text: str, resource: Resource) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        for name in names:
            if name not in resource.expandable:
                raise QueryError(UNCONFIRMED["unknown_expand_detail"].format(
                    name=name, allowed=", ".join(resource.expandable) or "none"))
        return list(dict.fromkeys(names))

    def present(self, resource: Resource, row: dict, expand: list[str], scopes: tuple[str, ...],
                redacted: list[str]) -> dict:
        """The record as this key may see it, with the expanded objects embedded."""
        body = self.hide(resource.collection, row, scopes, redacted, prefix="")
        for name in expand:
            relation = resource.expandable[name]
            if relation.scope not in scopes:
                # The key cannot read the related object: it is left out and named (UNCONFIRMED).
                if relation.id_field is None or row.get(relation.id_field):
                    redacted.append(name)
                continue
            if relation.collection is None:
                body[name] = []  # custom fields: none defined in the sandbox company
                continue
            related = self.data.collections.get(relation.collection)
            ids = row.get(relation.id_field)
            if isinstance(ids, list):
                body[name] = [self.hide(relation.collection, other, scopes, redacted, prefix=f"{name}.")
                              for other in (related.get(i) if related else None for i in ids) if other]
            elif isinstance(ids, str) and related is not None and related.get(ids) is not None:
                body[name] = self.hide(relation.collection, related.get(ids), scopes, redacted, prefix=f"{name}.")
        return body

    @staticmethod
    def hide(collection: str, row: dict, scopes: tuple[str, ...], redacted: list[str], *, prefix: str) -> dict:
        if collection != "workers" or SENSITIVE_SCOPE in scopes:
            return dict(row)
        hidden = [name for name in UNCONFIRMED["sensitive_worker_fields"] if name in row]
        redacted.extend(prefix + name for name in hidden)
        return {k: v for k, v in row.items() if k not in hidden}

    @staticmethod
    def redacted_fields(names: list[str]) -> list[dict]:
        return [{"name": name, "reason": UNCONFIRMED["redaction_reason"]} for name in dict.fromkeys(names)]

    def next_link(self, request: Request, cursor: str) -> str:
        path = request.path.rstrip("/") + "/"
        query = urlencode({"cursor": cursor})
        if self.relative_next_links:
            return f"{path}?{query}"
        return f"{request.host_url.rstrip('/')}{path}?{query}"
