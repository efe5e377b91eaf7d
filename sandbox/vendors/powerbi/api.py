"""The HTTP surface of the Power BI sandbox: api.powerbi.com under /powerbi (docs/vendors/powerbi.md §2–§6),
Entra ID under /powerbi-login (entra.py). Every dataset route exists group-scoped and without the group
("My workspace", §3); a token is checked before anything else, so a missing or expired one is 401 on every
API path, even for a dataset that does not exist.

This module holds the routes, the tenant's principals and workspaces, the token check and the workspace
check; the dataset handlers themselves are in datasets.py, mixed into `PowerBISandbox`."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox
from sandbox.vendors.powerbi.contract import (
    API_PREFIX,
    BLOCKED_CREDENTIALS,
    DEMO_CREDENTIALS,
    DEMO_TENANT_DOMAIN,
    DEMO_TENANT_ID,
    LOGIN_PREFIX,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    VIEWER_CREDENTIALS,
    WORKSPACE_ID,
    WRITER_ROLES,
    PowerBIError,
    power_bi_error,
)
from sandbox.vendors.powerbi.datasets import DatasetsMixin
from sandbox.vendors.powerbi.entra import EntraTokenEndpoint
from sandbox.vendors.powerbi.quotas import CompressedClock, PushQuotas
from sandbox.vendors.powerbi.seed import seed_datasets
from sandbox.vendors.powerbi.store import Dataset, rows_latest_sum, rows_sum

DATASETS = "/v1.0/myorg{scope}/datasets"
ROUTES = [
    ("", ["GET"], "list_datasets"), ("", ["POST"], "create_dataset"),
    ("/<dataset_id>", ["GET"], "get_dataset"), ("/<dataset_id>", ["DELETE"], "delete_dataset"),
    ("/<dataset_id>/tables", ["GET"], "list_tables"),
    ("/<dataset_id>/tables/<table_name>", ["PUT"], "put_table"),
    ("/<dataset_id>/tables/<table_name>/rows", ["POST"], "post_rows"),
    ("/<dataset_id>/tables/<table_name>/rows", ["DELETE"], "delete_rows"),
    ("/<dataset_id>/refreshes", ["GET"], "list_refreshes"), ("/<dataset_id>/refreshes", ["POST"], "refresh"),
    ("/<dataset_id>/executeQueries", ["POST"], "execute_queries"),
]


@dataclass
class ServicePrincipal:
    client_id: str
    secret: str
    tenant_id: str
    api_enabled: bool = True  # included in the "Service principals can use Power BI APIs" tenant setting


@dataclass
class Workspace:
    id: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # client_id → Admin|Member|Contributor|Viewer


class PowerBISandbox(DatasetsMixin, EntraTokenEndpoint, VendorSandbox):
    name = "powerbi"
    prefix = API_PREFIX
    token_lifetime = 3599  # §1: expires_in 3599
    rate_limit = UNCONFIRMED["api_requests_per_minute"]
    rate_window = 60.0
    demo_credentials = DEMO_CREDENTIALS
    demo_config = {"group_id": WORKSPACE_ID}

    def __init__(self, clock, log):
        self.quota_clock = CompressedClock(clock)
        self.quotas = PushQuotas(self.quota_clock)
        super().__init__(clock, log)
        # Every API limit runs on the compressible clock; tokens keep real time.
        self.limiter.clock = self.quota_clock
        # Every path, known or not, goes through `dispatch`: after the shared faults and limits (a gateway's),
        # before the handler, the token is checked, so a bad one is 401 even where nothing exists.
        rules = [Rule(path, endpoint="dispatch", methods=methods, defaults={"handler": handler})
                 for path, methods, handler in self.routes()]
        rules.append(Rule("/<path:rest>", endpoint="dispatch", defaults={"handler": "unknown_path"}))
        self.url_map = Map(rules, strict_slashes=False)

    def prefixes(self):
        return (API_PREFIX, LOGIN_PREFIX)

    def routes(self):
        return [(DATASETS.format(scope=scope) + path, methods, endpoint)
                for scope in ("/groups/<group_id>", "") for path, methods, endpoint in ROUTES]

    def reset(self):
        self.quota_clock.set_speed(1)
        self.quotas.reset()
        self.tenant_domains = {DEMO_TENANT_DOMAIN: DEMO_TENANT_ID}
        self.principals = {
            creds["client_id"]: ServicePrincipal(creds["client_id"], creds["client_secret"], creds["tenant_id"],
                                                 api_enabled=creds is not BLOCKED_CREDENTIALS)
            for creds in (DEMO_CREDENTIALS, RESTRICTED_CREDENTIALS, BLOCKED_CREDENTIALS, VIEWER_CREDENTIALS)
        }
        self.workspaces = {
            WORKSPACE_ID: Workspace(WORKSPACE_ID, "ML Connector Sandbox", members={
                DEMO_CREDENTIALS["client_id"]: "Member",
                BLOCKED_CREDENTIALS["client_id"]: "Member",  # a member, but the tenant setting still blocks it
                VIEWER_CREDENTIALS["client_id"]: "Viewer",
            }),
        }
        self.datasets: dict[str, Dataset] = {d.id: d for d in seed_datasets(WORKSPACE_ID)}

    # --- what tests read: the rows a report would sum ------------------------------------------------
    def dataset_named(self, name: str) -> Dataset:
        [dataset] = [d for d in self.datasets.values() if d.properties["name"] == name]
        return dataset

    def table_rows(self, dataset: str, table: str) -> list[dict]:
        """The rows a table holds now; `dataset` is its id or its name."""
        found = self.datasets.get(dataset) or self.dataset_named(dataset)
        return list(found.table(table).rows)

    def table_sum(self, dataset: str, table: str, column: str, where: dict | None = None) -> float:
        return rows_sum(self.table_rows(dataset, table), column, where)

    def table_latest_sum(self, dataset: str, table: str, key: str, column: str) -> float:
        return rows_latest_sum(self.table_rows(dataset, table), key, column)

    # --- shared pipeline hooks -------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        if request.path.startswith(LOGIN_PREFIX + "/"):
            return self.handle_login(request, path)
        response = super().handle(request, path)
        response.headers.setdefault(UNCONFIRMED["request_id_header"], str(uuid.uuid4()))
        return response

    def rate_key(self, request):
        token = self.tokens.validate(self.bearer(request))
        return token.subject["client_id"] if token else "anonymous"

    def dispatch(self, request: Request, handler: str, **args) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        try:
            return getattr(self, handler)(request, **args)
        except PowerBIError as error:  # raised by any handler or lookup: one place makes the envelope
            return error.response()

    def unknown_path(self, request: Request, rest: str = "") -> Response:
        return self.error_response(404, f"No such resource: /{rest}")

    def rate_limited_response(self, retry_after):
        return power_bi_error(429, UNCONFIRMED["rate_limited_code"],
                              f"Too many requests. Retry in {retry_after} seconds.",
                              headers={"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return power_bi_error(status, UNCONFIRMED["error_codes_by_status"].get(status, "Error"), message)

    def authenticate(self, request: Request) -> Response | None:
        token = self.tokens.validate(self.bearer(request))
        if token is None:
            return Response("", status=401,
                            headers={"WWW-Authenticate": UNCONFIRMED["unauthorized_www_authenticate"]})
        principal = self.principals.get(token.subject["client_id"])
        if principal is None or not principal.api_enabled:
            status, code, message = UNCONFIRMED["service_principals_disabled"]
            return power_bi_error(status, code, message)
        request.environ["powerbi.token"] = token
        return None

    # --- the workspace check every dataset handler starts with -----------------------------------
    def workspace_for(self, request: Request, group_id: str | None, write: bool = False) -> Workspace:
        client_id = request.environ["powerbi.token"].subject["client_id"]
        if group_id is None:
            if not UNCONFIRMED["service_principal_my_workspace"]:
                raise PowerBIError(403, "PowerBINotAuthorizedException",
                                   "Service principals cannot use My workspace; call the /groups/{groupId} routes.")
            return self.workspaces.setdefault(f"me:{client_id}", Workspace(f"me:{client_id}", "My workspace",
                                                                           members={client_id: "Admin"}))
        workspace = self.workspaces.get(group_id.lower())
        # A workspace the principal is not in and one that does not exist look the same from outside.
        if workspace is None or client_id not in workspace.members:
            status, code, message = UNCONFIRMED["workspace_forbidden"]
            raise PowerBIError(status, code, message.format(group_id=group_id))
        if write and workspace.members[client_id] not in WRITER_ROLES:
            status, code, message = UNCONFIRMED["role_forbidden"]
            raise PowerBIError(status, code, message.format(role=workspace.members[client_id], group_id=group_id))
        return workspace
