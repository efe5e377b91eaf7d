"""The Dayforce HTTP surface: Dayforce ID, discovery, and the REST reads a sync needs.

Dayforce ID (the token host, dfid.dayforcehcm.com) is served under /dayforce-auth, the global discovery
host (www.dayforcehcm.com) under /dayforce-www, and the namespace's own services host under /dayforce:
a client's base URL is `{sandbox}/dayforce` (or `{sandbox}/dayforce/Api`, like the real
`https://{host}/Api`), and it calls `{ns}/V1/{Resource}` on it.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from functools import cached_property

from werkzeug.wrappers import Request, Response

from sandbox.core import FixedWindowLimiter, VendorSandbox, json_response
from sandbox.vendors.dayforce import seed
from sandbox.vendors.dayforce.contract import (
    API_PATH, DEMO_CREDENTIALS, DEMO_NAMESPACE, FIELD_RESTRICTED_USERNAME, NO_PAY_DATA_USERNAME, OAUTH_CLIENT_ID,
    PAY_DATA, READ_DATA,
    RESTRICTED_FIELDS, RESTRICTED_USERNAME, UNCONFIRMED, WEB_SERVICES, envelope, parse_date, process_results,
)
from sandbox.vendors.dayforce.payroll import QUERY_ARGS, cursor_query, pay_summary_page
from sandbox.vendors.dayforce.store import Namespace, WebServicesUser
from sandbox.vendors.dayforce.views import (
    COLLECTIONS, employee_view, expand_names, matches_search, org_unit_view, updated_between,
)



class BadRequest(Exception):
    """A refusal (400/401/403) raised from deep in a handler, answered by `@refusals_answered`."""

    def __init__(self, response: Response):
        self.response = response


def refusals_answered(handler):
    @functools.wraps(handler)
    def answered(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except BadRequest as refused:
            return refused.response
    return answered


class DayforceSandbox(VendorSandbox):
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

    # --- authentication and authorisation (§2) ---------------------------------------------
    def authorize(self, request: Request, ns: str, feature: str | None = READ_DATA):
        """(namespace, user) a request may read as, or raises BadRequest with the 401/403 Dayforce answers."""
        namespace = self.namespaces.get(ns)
        user = None
        if namespace is not None:
            if request.authorization and request.authorization.type == "basic":
                # REST calls also accept HTTP Basic with the same user and password (§2, SPEC securitySchemes).
                candidate = namespace.users.get(request.authorization.username or "")
                if candidate and candidate.password == request.authorization.password:
                    user = candidate
            elif (token := self.tokens.validate(self.bearer(request))) is not None:
                if token.subject["ns"] != ns:
                    body = UNCONFIRMED["unauthorized"]
                    raise BadRequest(process_results(UNCONFIRMED["namespace_mismatch_status"], body["Code"],
                                                     body["Message"]))
                user = namespace.users.get(token.subject["username"])
        if user is None:
            body = UNCONFIRMED["unauthorized"]
            raise BadRequest(process_results(401, body["Code"], body["Message"]))
        if feature is not None and feature not in user.features:
            body = UNCONFIRMED["forbidden"]
            raise BadRequest(process_results(403, body["Code"], body["Message"]))
        return namespace, user

    @staticmethod
    def date_arg(request: Request, name: str, bare: bool = False) -> datetime | None:
        value = request.args.get(name)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            body = UNCONFIRMED["invalid_date"]
            raise BadRequest(process_results(400, body["Code"], body["Message"].format(value=value), context=name,
                                             bare=bare)) from None

    def context_window(self, request: Request) -> tuple[datetime, datetime]:
        """contextDate (default now), or contextDateRangeFrom/To, for effective-dated records (§4.2)."""
        start = self.date_arg(request, "contextDateRangeFrom")
        end = self.date_arg(request, "contextDateRangeTo")
        if start or end:
            return start or datetime.min.replace(tzinfo=timezone.utc), end or datetime.max.replace(tzinfo=timezone.utc)
        moment = self.date_arg(request, "contextDate") or self.now()
        return moment, moment

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

    @refusals_answered
    def client_metadata(self, request: Request, ns: str) -> Response:
        self.authorize(request, ns, feature=None)
        # SPEC: a bare ClientMetadata object, without the Data envelope.
        return json_response({"ServiceVersion": UNCONFIRMED["service_version"], "ServiceUri": self.service_uri(request)})

    @refusals_answered
    def list_employees(self, request: Request, ns: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        employees = list(namespace.employees.values())
        start, end = request.args.get("filterUpdatedStartDate"), request.args.get("filterUpdatedEndDate")
        if start or end:
            # Delta search: both ends or a 400 (§4.1, SPEC parameter text).
            if not (start and end):
                body = UNCONFIRMED["unpaired_updated_filter"]
                return process_results(400, body["Code"], body["Message"],
                                       context="filterUpdatedEndDate" if start else "filterUpdatedStartDate")
            window = (self.date_arg(request, "filterUpdatedStartDate"), self.date_arg(request, "filterUpdatedEndDate"))
            # filterUpdatedEntities narrows the search, and is ignored without the range (SPEC).
            entities = request.args.get("filterUpdatedEntities")
            entities = {e.strip().lower() for e in entities.split(",")} if entities else None
            employees = [e for e in employees if updated_between(e, *window, entities)]
        moment = self.date_arg(request, "contextDate") or self.now()
        employees = [e for e in employees if matches_search(e, request.args, moment)]
        # The search answers XRefCodes only, in one unpaginated Data array (§4.1).
        return envelope([{"XRefCode": e["master"]["XRefCode"]} for e in employees])

    def employee(self, namespace: Namespace, xref: str) -> dict:
        employee = namespace.employees.get(xref)
        if employee is None:
            # An unknown XRefCode is a 400 with ProcessResults, not a 404 (SPEC parameter text, §3).
            body = UNCONFIRMED["unknown_employee"]
            raise BadRequest(process_results(400, body["Code"], body["Message"].format(xref=xref), context="xRefCode"))
        return employee

    @refusals_answered
    def employee_details(self, request: Request, ns: str, xref: str) -> Response:
        if (limited := self.detail_limit(ns)) is not None:
            return limited
        namespace, user = self.authorize(request, ns)
        employee = self.employee(namespace, xref)
        start, end = self.context_window(request)
        return envelope(employee_view(employee, expand=expand_names(request.args.get("expand")), start=start,
                                      end=end, org_units=namespace.org_units, hidden=user.hidden_fields))

    @refusals_answered
    def employee_collection(self, request: Request, ns: str, xref: str, collection: str) -> Response:
        name = COLLECTIONS.get(collection.lower())
        if name is None:
            return self.error_response(404, f"No such resource: {request.path}")
        if (limited := self.detail_limit(ns)) is not None:
            return limited
        namespace, user = self.authorize(request, ns)
        start, end = self.context_window(request)
        view = employee_view(self.employee(namespace, xref), expand=[name], start=start, end=end,
                             org_units=namespace.org_units, hidden=user.hidden_fields)
        # Sub-resource GETs return the items directly in Data (§4.2).
        return envelope(view[name]["Items"])

    @refusals_answered
    def list_org_units(self, request: Request, ns: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        return envelope([{"XRefCode": xref} for xref in namespace.org_units])

    @refusals_answered
    def org_unit_details(self, request: Request, ns: str, xref: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        unit = namespace.org_units.get(xref)
        if unit is None:
            # The spec gives OrgUnits a bare array of ProcessResult as its 400 body.
            body = UNCONFIRMED["unknown_org_unit"]
            return process_results(400, body["Code"], body["Message"].format(xref=xref), context="XrefCode", bare=True)
        expand = {part.strip().lower() for part in request.args.get("expand", "").split(",")}
        moment = self.date_arg(request, "contextDate", bare=True) or self.now()
        children = request.args.get("includeChildOrgUnits", "").lower() == "true" or "childorgunits" in expand
        return envelope(org_unit_view(unit, org_units=namespace.org_units, moment=moment,
                                      parents="orgunitparents" in expand, children=children))

    @refusals_answered
    def pay_summaries(self, request: Request, ns: str) -> Response:
        self.authorize(request, ns)  # without Read Data nothing at all is readable
        namespace, _ = self.authorize(request, ns, PAY_DATA)
        if cursor := request.args.get("cursor"):
            query = cursor_query(cursor)
        else:
            names = ("filterPaySummaryStartDate", "filterPaySummaryEndDate")
            if missing := [name for name in names if not request.args.get(name)]:
                # Both pay-summary dates are required (SPEC `required: true`).
                body = UNCONFIRMED["missing_pay_summary_dates"]
                return process_results(400, body["Code"], body["Message"], context=missing[0])
            for name in names:
                self.date_arg(request, name)
            query = {name: request.args[name] for name in QUERY_ARGS if request.args.get(name)}
        if query is None:
            body = UNCONFIRMED["invalid_cursor"]
            return process_results(400, body["Code"], body["Message"], context="cursor")
        page, following = pay_summary_page(namespace.pay_runs, query)
        # The next page is an absolute URL with an opaque cursor and nothing else (§5, DG-PAGE).
        return envelope(page, Paging={"Next": f"{request.base_url}?cursor={following}" if following else ""})
