"""Microsoft Power BI sandbox, from docs/vendors/powerbi.md and swagger.json.

Microsoft Entra ID (login.microsoftonline.com) is served under /powerbi-login, the
Power BI REST API (api.powerbi.com) under /powerbi. Behaviours the contract marks
UNCONFIRMED are simulated as it says and collected in `UNCONFIRMED` below so they
are easy to correct.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, VendorSandbox, json_response

API_PREFIX = "/powerbi"
LOGIN_PREFIX = "/powerbi-login"
POWER_BI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"

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
    # §6: 401 for a missing/expired token, empty body with a WWW-Authenticate header.
    "unauthorized_www_authenticate": ('Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/'
                                      'authorize", error="invalid_token"'),
    # §1/§6: a principal the tenant setting does not allow is refused on every call.
    "service_principals_disabled": (401, "PowerBINotAuthorizedException", "API is not accessible for application"),
    # §6: 403 when the principal lacks workspace access; the body is not documented.
    "workspace_forbidden": (403, "PowerBINotAuthorizedException",
                            "The service principal is not authorized to access workspace '{group_id}'."),
    # §6: every response carries a RequestId header.
    "request_id_header": "RequestId",
    # §5: general (non-push) API throttling is not published; "120 requests per minute per user" is a
    # third-party figure the contract says not to rely on. Used per service principal.
    "api_requests_per_minute": 120,
    # §5: the code of the 429 body (the message for row quotas is documented, the code is not).
    "rate_limited_code": "TooManyRequests",
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


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def power_bi_error(status: int, code: str, message: str, details: list[dict] | None = None,
                   headers: dict | None = None) -> Response:
    """The API's error envelope (docs/vendors/powerbi.md §6)."""
    error: dict = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_response({"error": error}, status, headers)


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


@dataclass
class Dataset:
    workspace_id: str
    properties: dict  # what the API returns for it (docs/vendors/powerbi.md §3 "Dataset")
    tables: list[dict] = field(default_factory=list)
    default_retention_policy: str = "None"

    @property
    def id(self) -> str:
        return self.properties["id"]


class PowerBISandbox(VendorSandbox):
    name = "powerbi"
    prefix = API_PREFIX
    token_lifetime = 3599  # §1: expires_in 3599
    rate_limit = UNCONFIRMED["api_requests_per_minute"]
    rate_window = 60.0
    demo_credentials = DEMO_CREDENTIALS
    demo_config = {"group_id": WORKSPACE_ID}

    def prefixes(self):
        return (API_PREFIX, LOGIN_PREFIX)

    def routes(self):
        # api.powerbi.com only; Entra ID's token endpoint is a different host, see `login_map`.
        return [
            ("/v1.0/myorg/groups/<group_id>/datasets", ["GET"], "list_datasets"),
        ]

    def __init__(self, clock, log):
        # The tenant is the first path segment of the Entra token URL, so `unthrottled_paths` (a prefix
        # match) cannot exempt it; the login host gets its own map and skips the API's faults and limits.
        self.login_map = Map([Rule("/<tenant>/oauth2/v2.0/token", endpoint="token", methods=["POST"])],
                             strict_slashes=False)
        super().__init__(clock, log)

    def reset(self):
        self.tenant_domains = {DEMO_TENANT_DOMAIN: DEMO_TENANT_ID}
        self.principals = {
            creds["client_id"]: ServicePrincipal(creds["client_id"], creds["client_secret"], creds["tenant_id"],
                                                 api_enabled=api_enabled)
            for creds, api_enabled in ((DEMO_CREDENTIALS, True), (RESTRICTED_CREDENTIALS, True),
                                       (BLOCKED_CREDENTIALS, False))
        }
        self.workspaces = {
            WORKSPACE_ID: Workspace(WORKSPACE_ID, "ML Connector Sandbox", members={
                DEMO_CREDENTIALS["client_id"]: "Member",
                BLOCKED_CREDENTIALS["client_id"]: "Member",  # a member, but the tenant setting still blocks it
            }),
        }
        self.datasets: dict[str, Dataset] = {}
        for seed in self.seed_datasets():
            self.datasets[seed.id] = seed

    def seed_datasets(self) -> list[Dataset]:
        push = {"addRowsAPIEnabled": True, "isRefreshable": False, "isEffectiveIdentityRequired": False,
                "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False,
                "targetStorageMode": UNCONFIRMED["push_target_storage_mode"]}
        imported = {"addRowsAPIEnabled": False, "isRefreshable": True, "isEffectiveIdentityRequired": False,
                    "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False,
                    "targetStorageMode": "Abf"}
        rows = [
            ("cfafbeb1-8037-4d0c-896e-a46fb27ff229", "SalesMarketing", "john@contoso.com", push, "basicFIFO"),
            ("5c2a8e0b-1d4f-4a3e-9b7c-0000000d5e02", "HR Headcount", "anna@contoso.com", push, "None"),
            ("5c2a8e0b-1d4f-4a3e-9b7c-0000000d5e03", "Finance Actuals", "anna@contoso.com", imported, "None"),
        ]
        return [
            Dataset(WORKSPACE_ID, {
                "id": dataset_id, "name": name, "webUrl":
                    f"https://app.powerbi.com/groups/{WORKSPACE_ID}/datasets/{dataset_id}",
                "configuredBy": owner, **kind,
            }, default_retention_policy=retention)
            for dataset_id, name, owner, kind, retention in rows
        ]

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

    def rate_headers(self, remaining, reset):
        # Power BI publishes no X-RateLimit-* headers (§5); only Retry-After on the 429 itself.
        return {}

    def rate_limited_response(self, retry_after):
        return power_bi_error(429, UNCONFIRMED["rate_limited_code"],
                              f"Too many requests. Retry in {retry_after} seconds.",
                              headers={"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        code = UNCONFIRMED["error_codes_by_status"].get(status, "Error")
        return power_bi_error(status, code, message)

    # --- Entra ID (docs/vendors/powerbi.md §1) ----------------------------------------------------------------
    def handle_login(self, request: Request, path: str) -> Response:
        adapter = self.login_map.bind("sandbox", path_info=path, url_scheme="http")
        try:
            endpoint, args = adapter.match(method=request.method)
        except (NotFound, MethodNotAllowed) as exc:
            return json_response({"error": "invalid_request", "error_description": f"{exc.code}: {path}"},
                                 exc.code or 404)
        return getattr(self, endpoint)(request, **args)

    def entra_error(self, status: int, error: str, code: int, description: str) -> Response:
        now = _utc(self.clock.now())
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        return json_response({
            "error": error,
            "error_description": (f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\n"
                                  f"Correlation ID: {correlation_id}\r\nTimestamp: {now}"),
            "error_codes": [code], "timestamp": now, "trace_id": trace_id, "correlation_id": correlation_id,
        }, status)

    def token(self, request: Request, tenant: str) -> Response:
        form = request.form
        tenant_id = self.tenant_domains.get(tenant.lower(), tenant)
        if tenant_id not in {p.tenant_id for p in self.principals.values()}:
            status, error, code, text = UNCONFIRMED["unknown_tenant"]
            return self.entra_error(status, error, code, text.format(tenant=tenant))
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            status, error, code, text = UNCONFIRMED["bad_grant_type"]
            return self.entra_error(status, error, code, text.format(grant=grant))
        # The secret may come in the form or as HTTP Basic auth (§1).
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        if secret is None and request.authorization:
            client_id = client_id or request.authorization.username or ""
            secret = request.authorization.password
        principal = self.principals.get(client_id)
        if principal is None or principal.tenant_id != tenant_id:
            status, error, code, text = UNCONFIRMED["unknown_client"]
            return self.entra_error(status, error, code, text.format(client_id=client_id, tenant=tenant))
        if form.get("scope") != POWER_BI_SCOPE:
            return self.entra_error(400, "invalid_scope", 70011,
                                    f"The provided value for the input parameter 'scope' is not valid. "
                                    f"The scope {form.get('scope', '')} is not valid.")
        if secret != principal.secret:
            status, error, code, text = UNCONFIRMED["bad_secret"]
            return self.entra_error(status, error, code, text.format(client_id=client_id))
        issued = self.tokens.issue({"tenant_id": tenant_id, "client_id": client_id, "scope": POWER_BI_SCOPE})
        lifetime = int(self.tokens.lifetime)
        body = {"token_type": "Bearer", "expires_in": lifetime, "access_token": issued.value}
        if UNCONFIRMED["token_ext_expires_in"]:
            body["ext_expires_in"] = lifetime
        return json_response(body)

    # --- api.powerbi.com -----------------------------------------------------------------------
    def authorize(self, request: Request) -> tuple[IssuedToken | None, Response | None]:
        token = self.tokens.validate(self.bearer(request))
        if token is None:
            return None, Response("", status=401,
                                  headers={"WWW-Authenticate": UNCONFIRMED["unauthorized_www_authenticate"]})
        principal = self.principals.get(token.subject["client_id"])
        if principal is None or not principal.api_enabled:
            status, code, message = UNCONFIRMED["service_principals_disabled"]
            return None, power_bi_error(status, code, message)
        return token, None

    def workspace_for(self, token: IssuedToken, group_id: str) -> tuple[Workspace | None, Response | None]:
        workspace = self.workspaces.get(group_id.lower())
        # A workspace the principal is not in and one that does not exist look the same from outside.
        if workspace is None or token.subject["client_id"] not in workspace.members:
            status, code, message = UNCONFIRMED["workspace_forbidden"]
            return None, power_bi_error(status, code, message.format(group_id=group_id))
        return workspace, None

    def odata_list(self, request: Request, context_path: str, items: list[dict]) -> Response:
        """OData list wrapper (§2). There is no paging on these lists: the spec gives them no $top/$skip."""
        context = f"{request.host_url.rstrip('/')}{API_PREFIX}/v1.0/myorg/{context_path}"
        return json_response({UNCONFIRMED["odata_context_key"]: context, "value": items})

    def list_datasets(self, request: Request, group_id: str) -> Response:
        """Datasets_GetDatasetsInGroup (§3)."""
        token, denied = self.authorize(request)
        if denied is not None:
            return denied
        workspace, denied = self.workspace_for(token, group_id)
        if denied is not None:
            return denied
        items = [dict(d.properties) for d in self.datasets.values() if d.workspace_id == workspace.id]
        return self.odata_list(request, f"groups/{workspace.id}/$metadata#datasets", items)


SANDBOX = PowerBISandbox
