"""Microsoft Power BI REST API client (api.powerbi.com, Entra ID client-credentials tokens).

Follows docs/vendors/powerbi.md: a service principal gets a token from
Microsoft Entra ID (§1) and calls the group-scoped ``/v1.0/myorg/groups/{groupId}/…``
endpoints (§2–3); errors come in the ``{"error": {"code", "message", "details"}}``
envelope (§6).
"""
from __future__ import annotations

import uuid
from urllib.parse import quote

import requests

from connections.vendors.base import BaseClient, RateLimit
from connections.vendors.errors import (
    VendorAuthError,
    VendorConfigurationError,
    VendorNotFound,
    VendorPermissionError,
)
from connections.vendors.powerbi.messages import entra_error_text, power_bi_error_text
from connections.vendors.tokens import Token

DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
# Must be "<resource>/.default", one resource only (docs/vendors/powerbi.md §1, AADSTS70011 otherwise).
DEFAULT_SCOPE = "https://analysis.windows.net/powerbi/api/.default"

SERVICE_PRINCIPAL_SETTING = "Service principals can use Power BI APIs"
WORKSPACE_ACCESS_ADVICE = (
    "Add the service principal (the app registration) to the workspace with the Member or Admin role "
    "(workspace → Manage access; Viewer and Contributor cannot create datasets or push rows), and ask the "
    f"Power BI admin to enable '{SERVICE_PRINCIPAL_SETTING}' for it (Admin portal → Tenant settings → "
    "Developer settings)."
)
# Push-dataset quotas (docs/vendors/powerbi.md §5), paced by the shared limiter so a backfill uses them to the
# full without a 429. Our limiter counts a request when it leaves, Power BI when it arrives: windows 2 % longer
# absorb the difference in latency. Rows are counted in hundreds, so a bucket holds 10,000 entries an hour,
# not a million; a part-hundred counts as a whole one (never more than Power BI allows).
MAX_ROWS_PER_POST = 10_000
LARGE_TABLE_ROWS = 250_000  # from here on, 120 POST rows an hour per dataset (§5)
ROWS_UNIT = 100
PACING_MARGIN = 1.02
RATE_LIMITS = (
    # General API throttling is not published (§5); 120 a minute per principal is what the sandbox assumes.
    RateLimit(120, 60 * PACING_MARGIN),
    RateLimit(120, 60 * PACING_MARGIN, scope="posts"),
    RateLimit(120, 3600 * PACING_MARGIN, scope="posts_large"),  # once a table holds ≥ 250,000 rows
    RateLimit(1_000_000 // ROWS_UNIT, 3600 * PACING_MARGIN, scope="rows"),
)


def datasets_path(group_id: str, rest: str = "") -> str:
    """The group-scoped dataset routes (docs/vendors/powerbi.md §3), relative to https://api.powerbi.com."""
    return f"v1.0/myorg/groups/{group_id}/datasets{rest}"


class PowerBIClient(BaseClient):
    vendor_label = "Power BI"
    rate_limits = RATE_LIMITS
    required_credentials = ("tenant_id", "client_id", "client_secret")
    token_hint = ("Check the directory (tenant) ID, the application (client) ID, and that the client secret is "
                  "the secret's Value from Entra ID → App registrations → Certificates & secrets (not its Secret ID) "
                  "and has not expired.")
    hints = {
        401: (f"Power BI refused the service principal's token. Ask the Power BI admin to enable "
              f"'{SERVICE_PRINCIPAL_SETTING}' for this app (Admin portal → Tenant settings → Developer settings), "
              "and check that the scope is https://analysis.windows.net/powerbi/api/.default."),
        403: WORKSPACE_ACCESS_ADVICE,
        404: ("The workspace, dataset or table does not exist or is not visible to this service principal; "
              "table names are case-sensitive."),
        429: "Power BI's quota for this dataset or principal is used up; the sync waits as asked and continues.",
    }

    # --- authentication (docs/vendors/powerbi.md §1) -----------------------------------------------
    def token_url(self) -> str:
        # The tenant is a path segment of the Entra endpoint, not a form field.
        tenant = quote(str(self.credentials["tenant_id"]).strip(), safe="")
        return self.config.get("token_url", DEFAULT_TOKEN_URL).replace("{tenant}", tenant)

    def fetch_token(self) -> Token:
        # Client credentials have no refresh token: when the token expires, ask again (docs/vendors/powerbi.md §1).
        body = self.post_token_form(self.token_url(), {
            "grant_type": "client_credentials",
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
            "scope": self.config.get("scope") or DEFAULT_SCOPE,
        })
        return Token.from_oauth(body)

    def auth_headers(self, token):
        headers = super().auth_headers(token)
        headers["Accept"] = "application/json"
        return headers

    def request(self, method: str, path: str, *, authenticated: bool = True, **kwargs) -> requests.Response:
        try:
            return super().request(method, path, authenticated=authenticated, **kwargs)
        except VendorPermissionError as error:
            # The contract expects 401 for an expired token (§6), but Power BI has been seen answering
            # 403 {"error":{"code":"TokenExpired"}} instead; that is still "get a new token", not a
            # missing permission, so renew once more before giving up.
            if not (authenticated and error.vendor_message.startswith("TokenExpired")):
                raise
            self.invalidate_token()
            return super().request(method, path, authenticated=authenticated, **kwargs)

    def vendor_message(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                return power_bi_error_text(error)
            if isinstance(error, str):
                return entra_error_text(error, body.get("error_description"))
        if not (response.text or "").strip():
            # 401s usually come with an empty body; the reason, if any, is in WWW-Authenticate (§6).
            return response.headers.get("WWW-Authenticate", "")[:300]
        return super().vendor_message(response)

    # --- the connection check ---------------------------------------------------------
    def workspace_id(self) -> str:
        group_id = str(self.config.get("group_id") or "").strip()
        if not group_id:
            raise VendorConfigurationError(
                "Power BI connection has no workspace ID. Copy the GUID after /groups/ in the workspace URL; "
                "service principals cannot use My workspace.", vendor=self.vendor_label)
        try:
            uuid.UUID(group_id)
        except ValueError:
            raise VendorConfigurationError(
                f"Power BI workspace ID {group_id!r} is not a GUID. Copy it from the workspace URL "
                "(app.powerbi.com/groups/<workspace ID>/…).", vendor=self.vendor_label) from None
        return group_id

    def check_connection(self) -> str:
        group_id = self.workspace_id()
        self.token()
        try:
            body = self.get_json(datasets_path(group_id))
        except VendorPermissionError as error:
            raise VendorPermissionError(
                f"Power BI issued a token, but service principal {self.credentials['client_id']} may not read "
                f"workspace {group_id} (or the workspace ID is wrong). {WORKSPACE_ACCESS_ADVICE}",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        except VendorAuthError as error:
            raise VendorAuthError(
                "Power BI issued a token but refuses it on the API: service principals are not allowed to use "
                f"the Power BI APIs in this tenant. Ask the Power BI admin to enable '{SERVICE_PRINCIPAL_SETTING}' "
                "(Admin portal → Tenant settings → Developer settings) for this app or a security group it is in.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        except VendorNotFound as error:
            raise VendorNotFound(
                f"Power BI has no workspace {group_id} visible to this service principal. Check the workspace ID; "
                f"{WORKSPACE_ACCESS_ADVICE}", vendor=self.vendor_label, status=error.status,
                vendor_message=error.vendor_message) from None
        datasets = body.get("value", []) if isinstance(body, dict) else []
        # Push datasets are the ones that accept rows (addRowsAPIEnabled, docs/vendors/powerbi.md §3).
        push = sum(1 for dataset in datasets if dataset.get("addRowsAPIEnabled"))
        noun = "dataset" if len(datasets) == 1 else "datasets"
        return (f"Connected to Power BI workspace {group_id} as app {self.credentials['client_id']}: "
                f"{len(datasets)} {noun} visible, {push} of them push datasets.")

    # --- push datasets (docs/vendors/powerbi.md §3) ---------------------------------------------------
    def path(self, rest: str = "") -> str:
        return datasets_path(self.workspace_id(), rest)

    def list_datasets(self) -> list[dict]:
        return self.get_json(self.path()).get("value", [])

    def get_dataset(self, dataset_id: str) -> dict:
        return self.get_json(self.path(f"/{dataset_id}"))

    def create_dataset(self, schema: dict, *, retention: str = "None") -> dict:
        """Create a push dataset from {name, tables, relationships}; `retention` None keeps up to 5M rows a
        table, basicFIFO the newest 200,000 (§5). It can only be chosen now."""
        response = self.request("POST", self.path(), params={"defaultRetentionPolicy": retention},
                                json={"defaultMode": "Push", **schema})
        return self.json(response)

    def list_tables(self, dataset_id: str) -> list[dict]:
        return self.get_json(self.path(f"/{dataset_id}/tables")).get("value", [])

    def put_table(self, dataset_id: str, table: dict) -> dict:
        """Replace a table's columns and measures (it must exist: tables cannot be added, §6)."""
        return self.json(self.request("PUT", self.path(f"/{dataset_id}/tables/{quote(table['name'], safe='')}"),
                                      json=table))

    def post_rows(self, dataset_id: str, table: str, rows: list[dict], *, table_is_large: bool = False) -> str:
        """Append rows (≤ 10,000). Paced per dataset by the shared limiter; `table_is_large` when a table of the
        dataset holds 250,000 rows or more, which lowers Power BI's quota to 120 POSTs an hour (§5). Only a 429
        is retried here: after a timeout or a 5xx the rows may have been added, and the caller decides. Returns
        Power BI's RequestId for the answer (an empty 200 otherwise), which lineage keeps."""
        if len(rows) > MAX_ROWS_PER_POST:
            raise ValueError(f"{len(rows)} rows in one POST; Power BI takes at most {MAX_ROWS_PER_POST:,}.")
        if not rows:
            return ""
        self.rate_limiter.acquire(scope="posts", key=dataset_id)
        if table_is_large:
            self.rate_limiter.acquire(scope="posts_large", key=dataset_id)
        self.rate_limiter.acquire(scope="rows", key=dataset_id, weight=-(-len(rows) // ROWS_UNIT))
        response = self.request("POST", self.path(f"/{dataset_id}/tables/{quote(table, safe='')}/rows"),
                                json={"rows": rows})
        return response.headers.get("RequestId", "")

    def delete_rows(self, dataset_id: str, table: str) -> None:
        """Empty the table: Power BI has no filter on deletes (§3)."""
        self.request("DELETE", self.path(f"/{dataset_id}/tables/{quote(table, safe='')}/rows"))

    def row_counts(self, dataset_id: str, table: str, key_column: str) -> tuple[int, int]:
        """(rows, distinct keys) of a table, by one DAX query (executeQueries: needs the tenant setting
        "Dataset Execute Queries REST API"); what a reconciliation compares with what was pushed."""
        name = table.replace("'", "''")
        query = f"EVALUATE ROW(\"rows\", COUNTROWS('{name}'), \"records\", DISTINCTCOUNT('{name}'[{key_column}]))"
        body = self.json(self.request("POST", self.path(f"/{dataset_id}/executeQueries"),
                                      json={"queries": [{"query": query}]}))
        row = body["results"][0]["tables"][0]["rows"][0]
        return int(row.get("[rows]") or 0), int(row.get("[records]") or 0)

    # --- refreshes of an imported model that depends on the pushed data (§3) ---------------------------
    def refresh_dataset(self, dataset_id: str) -> str:
        """Queue a refresh (8 a day on shared capacity); returns its request id."""
        response = self.request("POST", self.path(f"/{dataset_id}/refreshes"),
                                json={"notifyOption": "NoNotification"})  # mail options are not for principals
        return response.headers.get("x-ms-request-id", "")

    def list_refreshes(self, dataset_id: str, *, top: int = 10) -> list[dict]:
        return self.get_json(self.path(f"/{dataset_id}/refreshes"), params={"$top": top}).get("value", [])
