"""The HTTP surface of the Power BI sandbox: api.powerbi.com under /powerbi (docs/vendors/powerbi.md §2–§6),
Entra ID under /powerbi-login (entra.py). Every dataset route exists group-scoped and without the group
("My workspace", §3); a token is checked before anything else, so a missing or expired one is 401 on every
API path, even for a dataset that does not exist."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response
from sandbox.vendors.powerbi.contract import (
    API_PREFIX,
    BLOCKED_CREDENTIALS,
    DEMO_CREDENTIALS,
    DEMO_TENANT_DOMAIN,
    DEMO_TENANT_ID,
    LOGIN_PREFIX,
    MAX_REFRESHES_PER_DAY,
    MAX_ROWS_PER_POST,
    LARGE_TABLE_ROWS,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    VIEWER_CREDENTIALS,
    WORKSPACE_ID,
    WRITER_ROLES,
    PowerBIError,
    bad_request,
    power_bi_error,
)
from sandbox.vendors.powerbi.entra import EntraTokenEndpoint
from sandbox.vendors.powerbi.quotas import CompressedClock, PushQuotas
from sandbox.vendors.powerbi.seed import seed_datasets
from sandbox.vendors.powerbi.store import (
    Dataset,
    StoredTable,
    check_properties,
    dataset_schema,
    retention_policy,
    rows_append,
    rows_check,
    rows_latest_sum,
    rows_sum,
    table_definition,
)

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


class PowerBISandbox(EntraTokenEndpoint, VendorSandbox):
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

    # --- lookups shared by the handlers -------------------------------------------------------------
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

    def dataset_for(self, request, group_id, dataset_id, write=False, push=False) -> Dataset:
        workspace = self.workspace_for(request, group_id, write)
        dataset = self.datasets.get(dataset_id.lower())
        if dataset is None or dataset.workspace_id != workspace.id:
            raise PowerBIError(404, "ItemNotFound", f"Dataset {dataset_id} is not found.")
        if push and not dataset.is_push:
            raise PowerBIError(404, "ItemNotFound", f"Dataset {dataset_id} is not Push API dataset.")
        return dataset

    def odata_list(self, request: Request, context_path: str, items: list[dict]) -> Response:
        """OData list wrapper (§2). There is no paging on these lists: the spec gives them no $top/$skip."""
        context = f"{request.host_url.rstrip('/')}{API_PREFIX}/v1.0/myorg/{context_path}"
        return json_response({UNCONFIRMED["odata_context_key"]: context, "value": items})

    # --- datasets (§3) --------------------------------------------------------------------------------
    def list_datasets(self, request, group_id=None):
        workspace = self.workspace_for(request, group_id)
        items = [dict(d.properties) for d in self.datasets.values() if d.workspace_id == workspace.id]
        scope = f"groups/{workspace.id}/" if group_id else ""
        return self.odata_list(request, f"{scope}$metadata#datasets", items)

    def create_dataset(self, request, group_id=None):
        workspace = self.workspace_for(request, group_id, write=True)
        policy = retention_policy(request.args.get("defaultRetentionPolicy"))
        body = self.body_json(request)
        name, tables, relationships = dataset_schema(body)
        mode = body.get("defaultMode", "Push")
        if mode not in ("Push", "PushStreaming", "Streaming"):
            raise bad_request("Bad Request", "defaultMode", f"defaultMode {mode!r} does not create a push dataset.")
        dataset_id = str(uuid.uuid4())
        dataset = Dataset(workspace.id, {
            "id": dataset_id, "name": name, "webUrl": f"https://app.powerbi.com/groups/{workspace.id}/datasets/"
            f"{dataset_id}", "configuredBy": request.environ["powerbi.token"].subject["client_id"],
            "addRowsAPIEnabled": True, "isRefreshable": False, "isEffectiveIdentityRequired": False,
            "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False,
            "targetStorageMode": UNCONFIRMED["push_target_storage_mode"],
            "createdDate": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }, tables={t["name"]: StoredTable(t) for t in tables}, relationships=relationships,
            default_retention_policy=policy)
        self.datasets[dataset_id] = dataset
        return json_response({**dataset.properties, "defaultRetentionPolicy": policy}, 201,
                             {"Location": f"{request.host_url.rstrip('/')}{request.path}/{dataset_id}"})

    def get_dataset(self, request, dataset_id, group_id=None):
        return json_response(dict(self.dataset_for(request, group_id, dataset_id).properties))

    def delete_dataset(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True)
        del self.datasets[dataset.id]
        return Response(b"", 200)

    # --- tables and rows (§3, §5, §6) ----------------------------------------------------------------
    def list_tables(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, push=True)
        scope = f"groups/{dataset.workspace_id}/" if group_id else ""
        return self.odata_list(request, f"{scope}datasets/{dataset.id}/$metadata#tables",
                               [dict(t.definition) for t in dataset.tables.values()])

    def put_table(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        # Only changes an existing table: there is no API to add one to a push dataset (§6).
        table = dataset.table(table_name)
        definition = table_definition(self.body_json(request), table_name)
        if definition["name"] != table_name:
            raise bad_request("Bad Request", table_name, "The table name in the body must match the URL.")
        table.definition = definition
        kept = set(table.column_types())
        table.rows[:] = [{k: v for k, v in row.items() if k in kept} for row in table.rows]
        return json_response(definition)

    def post_rows(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        table = dataset.table(table_name)
        body = self.body_json(request)
        if not isinstance(body, dict) or set(body) - {"rows"} or not isinstance(body.get("rows"), list):
            raise bad_request("Bad Request", "requestMessage", "The body must be {\"rows\": [ … ]}.")
        rows = body["rows"]
        if len(rows) > MAX_ROWS_PER_POST:
            raise PowerBIError(400, UNCONFIRMED["too_many_rows_code"], f"{len(rows)} rows in one request; "
                               f"at most {MAX_ROWS_PER_POST:,} rows can be posted at a time.")
        rows_check(table, rows)
        large = any(len(t.rows) >= LARGE_TABLE_ROWS for t in dataset.tables.values())
        with self.quotas.post(dataset.id, len(rows), large):
            rows_append(dataset, table, rows)
        return Response(b"", 200)

    def delete_rows(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        dataset.table(table_name).rows.clear()  # there is no filter: all rows go (§3)
        return Response(b"", 200)

    def execute_queries(self, request, dataset_id, group_id=None):
        """One DAX query per call (the spec's limit); the sandbox answers row counts only (dax.py)."""
        from sandbox.vendors.powerbi.dax import evaluate

        dataset = self.dataset_for(request, group_id, dataset_id)
        body = self.body_json(request)
        queries = body.get("queries") if isinstance(body, dict) else None
        if not isinstance(queries, list) or len(queries) != 1 or not isinstance(queries[0], dict):
            raise bad_request("Bad Request", "queries", "Exactly one query per request.")
        rows = evaluate(dataset, queries[0].get("query"))
        return json_response({"results": [{"tables": [{"rows": rows}]}]})

    # --- refreshes of imported datasets (§3) ---------------------------------------------------------
    def list_refreshes(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id)
        top = request.args.get("$top", type=int)
        history = [{k: v for k, v in r.items() if not k.startswith("_")} for r in reversed(dataset.refreshes)]
        history = history[:top or 60]  # the spec: "the default is the last available 60 entries"
        scope = f"groups/{dataset.workspace_id}/" if group_id else ""
        return self.odata_list(request, f"{scope}datasets/{dataset.id}/$metadata#refreshes", history)

    def refresh(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True)
        if request.get_data():
            check_properties(self.body_json(request), "DatasetRefreshRequest", "datasetRefreshRequest")
        if dataset.is_push:
            status, code, text = UNCONFIRMED["push_refresh"]
            raise PowerBIError(status, code, text.format(dataset_id=dataset.id))
        now = self.quota_clock.now()
        today = [r for r in dataset.refreshes if r["_at"] > now - 86400]
        if len(today) >= MAX_REFRESHES_PER_DAY:
            status, code, text = UNCONFIRMED["refresh_cap"]
            wait = today[0]["_at"] + 86400 - now
            raise PowerBIError(status, code, text.format(dataset_id=dataset.id),
                               retry_after=self.quota_clock.real_seconds(wait))
        request_id = str(uuid.uuid4())
        stamp = datetime.fromtimestamp(now, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        dataset.refreshes.append({"_at": now, "refreshType": "ViaApi", "startTime": stamp, "endTime": stamp,
                                  "status": "Completed", "requestId": request_id})
        return Response(b"", 202, {"x-ms-request-id": request_id})


