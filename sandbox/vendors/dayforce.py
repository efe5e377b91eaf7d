"""Dayforce HCM sandbox, from docs/vendors/dayforce.md and openapi.yaml there.

Dayforce ID (the token host, dfid.dayforcehcm.com) is served under /dayforce-auth, the REST API under
/dayforce: a client's base URL is `{sandbox}/dayforce` (or `{sandbox}/dayforce/Api`, like the real
`https://{host}/Api`), and it calls `{ns}/V1/{Resource}` on it. Behaviours the contract marks
UNCONFIRMED are simulated as it suggests and collected in `UNCONFIRMED` below, to be corrected in one place.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta, timezone

from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response

# Everything the contract marks UNCONFIRMED, in one place.
UNCONFIRMED = {
    # §2: no client reads a token_type or a refresh token; assume Bearer and none.
    "token_type": "Bearer",
    # §2: the error body for a bad password/namespace; OAuth-style is the likely shape.
    "token_error_status": 400,
    "token_error": {"error": "invalid_grant"},
    # §2: one client sends CompanyId/Username/Password/Client_Id, so field names may be case-insensitive.
    "token_fields_case_insensitive": True,
    # §1: clients mix Api/api and V1/v1; whether the server cares is not known.
    "routes_case_insensitive": True,
    # §2/§3: SPEC documents 401 "Invalid authentication credentials." and 403 "User does not have access."
    # with ProcessResults bodies, but not the codes or the exact 403 for /Employees without HCM Anywhere.
    "unauthorized": {"Code": "AUTHENTICATION_FAILED", "Message": "Invalid authentication credentials."},
    "forbidden": {"Code": "USER_ACCESS_DENIED", "Message": "User does not have access."},
    # §2: a token used on another namespace's path; treated like an invalid token.
    "namespace_mismatch_status": 401,
    # §6: the limits are per client (namespace) and only given as an example (10/s or 100/min on
    # employee details); the 429 body is not documented, so it is a ProcessResults body.
    "rate_limit_per_minute": 100,
    "rate_limited": {"Code": "RATE_LIMIT_EXCEEDED",
                     "Message": "The request limit for this client has been reached. Retry after {seconds} seconds."},
    # §3/§4.1: codes of validation failures are not documented (SYS_DESERIALIZATION_ERROR is the one example).
    "invalid_date": {"Code": "SYS_DESERIALIZATION_ERROR", "Message": "The value '{value}' is not a valid date."},
    "unpaired_updated_filter": {
        "Code": "HR_Employee_InvalidDateRange",
        "Message": "filterUpdatedStartDate and filterUpdatedEndDate must be provided together.",
    },
    # §4.2: timestamps in the placeholders end in Z; whether real ones carry an offset is not known.
    "timestamp_format": "%Y-%m-%dT%H:%M:%SZ",
    # §4.1: naive filter dates (e.g. 2017-01-01T13:24:56) are read as UTC.
    "naive_filter_dates_are_utc": True,
}

OAUTH_CLIENT_ID = "Dayforce.HCMAnywhere.Client"  # §2: the only client id Dayforce ID accepts here

# Role features of HCM Anywhere (§2 "Permissions"): reading needs Web Services + Read Data.
WEB_SERVICES = "HCM Anywhere > Web Services"
READ_DATA = "HCM Anywhere > Web Services > Read Data"

DEMO_NAMESPACE = "mlconnector"
DEMO_CREDENTIALS = {
    "company_id": DEMO_NAMESPACE,
    "username": "ws.mlconnector",
    "password": "dayforce-sandbox-password",
}
# Logs in fine, but its primary role lacks HCM Anywhere, so every REST read is a 403.
RESTRICTED_USERNAME = "ws.nohcmanywhere"

SEED_EMPLOYEES = [
    ("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"), ("Donald", "Knuth"), ("Frances", "Allen"), ("John", "Backus"),
    ("Margaret", "Hamilton"), ("Ken", "Thompson"), ("Radia", "Perlman"), ("Tony", "Hoare"),
]
SEED_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

# `/{ns}/V1/...`, optionally behind the `/Api` segment of real base URLs (§1).
API_PATH = re.compile(r"^/(?:api/)?(?P<ns>[^/]+)/v1(?P<rest>/.*)?$", re.IGNORECASE)


@dataclass
class WebServicesUser:
    username: str
    password: str
    features: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Namespace:
    """One Dayforce client instance: its users and its HR data."""

    name: str
    users: dict[str, WebServicesUser]
    employees: list[dict]


def timestamp(moment: datetime) -> str:
    return moment.strftime(UNCONFIRMED["timestamp_format"])


def parse_filter_date(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def process_results(status: int, code: str, message: str, context: str = "",
                    headers: dict | None = None) -> Response:
    """Dayforce's error body: ProcessResults plus the requestId shown in DG-ERR examples (§3)."""
    return json_response({
        "requestId": str(uuid.uuid4()),
        "ProcessResults": [{"Code": code, "Context": context, "Level": "ERROR", "Message": message}],
    }, status, headers)


def seed_employees() -> list[dict]:
    employees = []
    for index, (first, last) in enumerate(SEED_EMPLOYEES):
        hired = SEED_EPOCH - timedelta(days=400 * (len(SEED_EMPLOYEES) - index))
        employees.append({
            "XRefCode": f"{42100 + index}",
            "EmployeeNumber": f"{42100 + index}",
            "FirstName": first,
            "LastName": last,
            "DisplayName": f"{first} {last}",
            "HireDate": timestamp(hired),
            "OriginalHireDate": timestamp(hired),
            # Spread modifications over a fortnight so delta windows select a subset.
            "LastModifiedTimestamp": timestamp(SEED_EPOCH + timedelta(days=index, hours=index)),
        })
    return employees


class DayforceSandbox(VendorSandbox):
    name = "dayforce"
    prefix = "/dayforce"
    auth_prefix = "/dayforce-auth"
    rate_limit = UNCONFIRMED["rate_limit_per_minute"]
    rate_window = 60.0
    unthrottled_paths = ("/connect/",)
    demo_credentials = DEMO_CREDENTIALS

    def prefixes(self):
        return (self.prefix, self.auth_prefix)

    def routes(self):
        return [
            ("/connect/token", ["POST"], "token"),
            ("/<ns>/V1/Employees", ["GET"], "list_employees"),
        ]

    def reset(self):
        self.namespaces = {
            DEMO_NAMESPACE: Namespace(
                name=DEMO_NAMESPACE,
                users={
                    DEMO_CREDENTIALS["username"]: WebServicesUser(
                        DEMO_CREDENTIALS["username"], DEMO_CREDENTIALS["password"],
                        frozenset({WEB_SERVICES, READ_DATA})),
                    RESTRICTED_USERNAME: WebServicesUser(RESTRICTED_USERNAME, DEMO_CREDENTIALS["password"]),
                },
                employees=seed_employees(),
            ),
        }

    # --- shared pipeline hooks ----------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
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
        return {segment.lower(): segment for rule, _, _ in self.routes()
                for segment in rule.split("/") if segment and not segment.startswith("<")}

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

    # --- authentication and authorisation (§2) ------------------------------------
    def unauthorized(self) -> Response:
        body = UNCONFIRMED["unauthorized"]
        return process_results(401, body["Code"], body["Message"])

    def authorize(self, request: Request, ns: str, feature: str) -> tuple[Namespace | None, Response | None]:
        """The namespace a request may read, or the 401/403 Dayforce answers instead."""
        namespace = self.namespaces.get(ns)
        user = None
        if namespace is not None:
            if request.authorization and request.authorization.type == "basic":
                # REST calls also accept HTTP Basic with the same user and password (§2, SPEC securitySchemes).
                candidate = namespace.users.get(request.authorization.username or "")
                if candidate and candidate.password == request.authorization.password:
                    user = candidate
            elif (token := self.tokens.validate(self.bearer(request))) is not None:
                if token.subject["ns"] == ns:
                    user = namespace.users.get(token.subject["username"])
                else:
                    return None, process_results(UNCONFIRMED["namespace_mismatch_status"],
                                                 UNCONFIRMED["unauthorized"]["Code"],
                                                 UNCONFIRMED["unauthorized"]["Message"])
        if user is None:
            return None, self.unauthorized()
        if feature not in user.features:
            body = UNCONFIRMED["forbidden"]
            return None, process_results(403, body["Code"], body["Message"])
        return namespace, None

    # --- endpoints -------------------------------------------------------------------
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
        issued = self.tokens.issue({"ns": namespace.name, "username": user.username, "client_id": OAUTH_CLIENT_ID})
        return json_response({"access_token": issued.value, "expires_in": int(self.tokens.lifetime),
                              "token_type": UNCONFIRMED["token_type"]})

    def list_employees(self, request: Request, ns: str) -> Response:
        namespace, denied = self.authorize(request, ns, READ_DATA)
        if denied is not None:
            return denied
        employees = namespace.employees
        start, end = request.args.get("filterUpdatedStartDate"), request.args.get("filterUpdatedEndDate")
        if start or end:
            # Delta search: both ends or a 400 (§4.1, SPEC parameter text).
            if not (start and end):
                body = UNCONFIRMED["unpaired_updated_filter"]
                return process_results(400, body["Code"], body["Message"],
                                       context="filterUpdatedEndDate" if start else "filterUpdatedStartDate")
            window = []
            for name, value in (("filterUpdatedStartDate", start), ("filterUpdatedEndDate", end)):
                try:
                    window.append(parse_filter_date(value))
                except ValueError:
                    body = UNCONFIRMED["invalid_date"]
                    return process_results(400, body["Code"], body["Message"].format(value=value), context=name)
            employees = [e for e in employees
                         if window[0] <= parse_filter_date(e["LastModifiedTimestamp"]) <= window[1]]
        # The search answers XRefCodes only, in one unpaginated Data array (§4.1).
        return json_response({"Data": [{"XRefCode": e["XRefCode"]} for e in employees]})


SANDBOX = DayforceSandbox
