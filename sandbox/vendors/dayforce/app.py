"""The Dayforce HTTP surface: Dayforce ID, discovery, and the REST reads a sync needs.

Dayforce ID (the token host, dfid.dayforcehcm.com) is served under /dayforce-auth, the global discovery
host (www.dayforcehcm.com) under /dayforce-www, and the namespace's own services host under /dayforce:
a client's base URL is `{sandbox}/dayforce` (or `{sandbox}/dayforce/Api`, like the real
`https://{host}/Api`), and it calls `{ns}/V1/{Resource}` on it.

This module holds the hosts, routes, seeding, the rate limits and Dayforce ID; the REST resources themselves,
and the authorisation they share, are in resources.py, mixed into `DayforceSandbox`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import cached_property

from werkzeug.wrappers import Request, Response

from sandbox.core import FixedWindowLimiter, VendorSandbox, json_response
from sandbox.vendors.dayforce import seed
from sandbox.vendors.dayforce.contract import (
    API_PATH, DEMO_CREDENTIALS, DEMO_NAMESPACE, FIELD_RESTRICTED_USERNAME, NO_PAY_DATA_USERNAME, OAUTH_CLIENT_ID,
    PAY_DATA, READ_DATA,
    RESTRICTED_FIELDS, RESTRICTED_USERNAME, UNCONFIRMED, WEB_SERVICES, process_results,
)
from sandbox.vendors.dayforce.resources import ResourcesMixin
from sandbox.vendors.dayforce.store import Namespace, WebServicesUser
from sandbox.vendors.dayforce.views import COLLECTIONS


class DayforceSandbox(ResourcesMixin, VendorSandbox):
    name = "dayforce"
    prefix = "/dayforce"
    auth_prefix = "/dayforce-auth"
    discovery_prefix = "/dayforce-www"
    rate_limit = UNCONFIRMED["rate_limit_per_minute"]
    rate_window = 60.0
    unthrottled_paths = ("/connect/",)
    demo_credentials = DEMO_CREDENTIALS

    def prefixes(self):
        return (self.prefix, self.auth_prefix, self.discovery_prefix)

    def routes(self):
        return [
            ("/connect/token", ["POST"], "token"),
            ("/<ns>/V1/ClientMetadata", ["GET"], "client_metadata"),
            ("/<ns>/V1/Employees", ["GET"], "list_employees"),
            ("/<ns>/V1/Employees/<xref>", ["GET"], "employee_details"),
            ("/<ns>/V1/Employees/<xref>/<collection>", ["GET"], "employee_collection"),
            ("/<ns>/V1/OrgUnits", ["GET"], "list_org_units"),
            ("/<ns>/V1/OrgUnits/<xref>", ["GET"], "org_unit_details"),
            ("/<ns>/V1/EmployeePaySummaries", ["GET"], "pay_summaries"),
        ]

    def reset(self):
        self.seed()

    def seed(self, *, org_anomalies: bool = False) -> None:
        """The seeded company; `org_anomalies` adds an org-unit cycle and an orphan (test switch)."""
        password = DEMO_CREDENTIALS["password"]
        hr_readers = frozenset({WEB_SERVICES, READ_DATA})
        readers = hr_readers | {PAY_DATA}
        self.namespaces = {DEMO_NAMESPACE: Namespace(
            name=DEMO_NAMESPACE,
            users={
                DEMO_CREDENTIALS["username"]: WebServicesUser(DEMO_CREDENTIALS["username"], password, readers),
                RESTRICTED_USERNAME: WebServicesUser(RESTRICTED_USERNAME, password),
                NO_PAY_DATA_USERNAME: WebServicesUser(NO_PAY_DATA_USERNAME, password, hr_readers),
                FIELD_RESTRICTED_USERNAME: WebServicesUser(FIELD_RESTRICTED_USERNAME, password, readers,
                                                           RESTRICTED_FIELDS),
            },
            org_units=seed.org_unit_records(anomalies=org_anomalies),
        )}
        self.detail_limiters = [FixedWindowLimiter(self.clock, limit, window)
                                for limit, window in UNCONFIRMED["detail_limits"]]

    # --- test helpers: changes stamped on the sandbox clock ----------------------------------
    @property
    def company(self) -> Namespace:
        return self.namespaces[DEMO_NAMESPACE]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)

    def change(self, action: str, *args, **kwargs):
        """Apply one of the store's changes now: hire, edit, transfer, terminate, rehire, touch_hidden,
        corrupt, org_move, org_rename, pay_run_correct (see store.Namespace)."""
        return getattr(self.company, action)(*args, now=self.now(), **kwargs)

    # --- shared pipeline hooks ----------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        if request.path.startswith(self.discovery_prefix + "/"):
            return self.discovery_redirect(request, path)
        return super().handle(request, self.canonical_path(path))

    def canonical_path(self, path: str) -> str:
        """Route `/Api|api/{ns}/V1|v1/{resource}` case-insensitively (§1), keeping the namespace as sent."""
        match = API_PATH.match(path)
        if not match:
            return path
        rest = "/".join(self.resource_names.get(segment.lower(), segment)
                        for segment in (match.group("rest") or "").split("/"))
        return f"/{match.group('ns')}/V1{rest}"

    @cached_property
    def resource_names(self) -> dict[str, str]:
        names = {segment.lower(): segment for rule, _, _ in self.routes()
                 for segment in rule.split("/") if segment and not segment.startswith("<")}
        return {**names, **COLLECTIONS}

    def rate_key(self, request):
        # The limiter is per client (namespace), shared by every application and user on it (§6).
        match = API_PATH.match(request.path[len(self.prefix):])
        return match.group("ns").lower() if match else "anonymous"

    def rate_limited_response(self, retry_after):
        body = UNCONFIRMED["rate_limited"]
        return process_results(429, body["Code"], body["Message"].format(seconds=retry_after),
                               headers={"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return process_results(status, f"HTTP_{status}", message)

    def detail_limit(self, ns: str) -> Response | None:
        """Employee details have their own, lower limits: 10 per second and 100 per minute (§6)."""
        for limiter in self.detail_limiters:
            allowed, _, reset = limiter.hit(ns.lower())
            if not allowed:
                return self.rate_limited_response(max(1, int(reset + 0.999)))
        return None
    # --- endpoints ------------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        fields = {key.lower(): value for key, value in request.form.items()}

        def form(name: str) -> str:
            if UNCONFIRMED["token_fields_case_insensitive"]:
                return fields.get(name.lower(), "")
            return request.form.get(name, "")

        grant_type = form("grant_type")
        if not grant_type:
            return json_response({"error": "invalid_request"}, 400)
        if grant_type != "password":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if form("client_id") != OAUTH_CLIENT_ID:
            return json_response({"error": "invalid_client"}, 400)
        namespace = self.namespaces.get(form("companyId"))
        user = namespace.users.get(form("username")) if namespace else None
        if user is None or user.password != form("password"):
            return json_response(UNCONFIRMED["token_error"], UNCONFIRMED["token_error_status"])
        # Login does not need HCM Anywhere; the REST calls do (§2), so a restricted user gets a token.
        # No refresh_token: renewal is another password grant (§2).
        issued = self.tokens.issue({"ns": namespace.name, "username": user.username, "client_id": OAUTH_CLIENT_ID})
        return json_response({"access_token": issued.value, "expires_in": int(self.tokens.lifetime),
                              "token_type": UNCONFIRMED["token_type"]})

    def discovery_redirect(self, request: Request, path: str) -> Response:
        """The global host sends every namespace to its own services host (§1, [CBJ])."""
        match = API_PATH.match(path)
        if not match:
            return self.error_response(404, f"No such resource: {path}")
        target = f"{self.service_uri(request)}/{match.group('ns')}/V1{match.group('rest') or ''}"
        query = request.query_string.decode()
        return Response(status=302, headers={"Location": target + (f"?{query}" if query else "")})

    def service_uri(self, request: Request) -> str:
        return request.host_url.rstrip("/") + self.prefix + "/Api"
