"""Rippling REST API sandbox, from ../shared/specs/rippling/CONTRACT.md and rest_openapi.json.

Served under /rippling as if it were https://rest.ripplingapis.com. Customers authenticate
with a static API key (CONTRACT §1): there is no token endpoint, so the keys an admin would
create under Company Settings → API Access are registered up front, each with its scopes.
Behaviours the contract marks UNCONFIRMED are simulated as it suggests and collected in
`UNCONFIRMED` below so they are easy to correct.

Later resources (users, departments, work locations, filters, webhooks) plug in the same way
as /workers/: data in `reset()`, a route, and a handler calling `authorize()` + `list_page()`.
"""
from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, TokenIssuer, VendorSandbox, json_response

DAY = 86_400.0

# Everything the contract marks UNCONFIRMED (or leaves unsaid), in one place.
UNCONFIRMED = {
    # §1: PostHog's UI text says keys die after 30 days without use; Rippling does not say so.
    "api_key_idle_expiry_days": 30,
    # §6: no error schema is published; `{"detail": ...}` is the suggested shape, the texts are
    # Django REST Framework's defaults (the REST API answers like a DRF service).
    "error_body": "{'detail': '<message>'}",
    "unauthorized_detail": "Invalid token.",
    "missing_credentials_detail": "Authentication credentials were not provided.",
    "forbidden_detail": "You do not have permission to perform this action.",
    # §1: what a company without the "API Tier 1" entitlement gets; assumed 403 like a missing scope.
    "missing_entitlement_status": 403,
    # §7: no published numbers, headers or body; Retry-After is what clients honour.
    "rate_limit_per_minute": 300,
    "rate_limit_headers": (),
    "rate_limit_detail": "Request was throttled. Expected available in {seconds} seconds.",
    # §3: `limit` is not in the spec; PostHog sends limit=100 and says pages cap at 100.
    "max_page_size": 100,
    "default_page_size": 100,
    # §3: order of an unsorted list and the descending syntax are not documented; only ascending
    # `order_by=<field>` is accepted here.
    "default_order_by": "id",
    # §3: the spec says next_link is a URI; PostHog saw relative ones. Absolute by default, and
    # `RipplingSandbox.relative_next_links = True` serves the relative form.
    "next_link_style": "absolute",
    "invalid_cursor_detail": "Invalid cursor.",
    # §3: fields a key without `workers.sensitive.personal.read` gets redacted (the spec's own
    # example is date_of_birth / "Insufficient entitlements"; the full list is a guess).
    "sensitive_worker_fields": ("date_of_birth", "gender", "race", "ethnicity", "citizenship"),
    "redaction_reason": "Insufficient entitlements",
}

# Read scopes a fully set-up customer key has (names from rest_openapi.json's OAuth2 scopes).
ALL_READ_SCOPES = (
    "companies.read", "users.read", "workers.read", "workers.sensitive.personal.read",
    "workers.custom-fields.read", "departments.read", "work-locations.read", "teams.read", "levels.read",
    "titles.read", "employment-types.read", "custom-fields.read", "compensations.read",
)

DEMO_API_KEY = "rpl_sandbox_full_access_3f9c2a7e51d84b06"
# Authenticates, but was created without `workers.read`: every worker read gets 403.
RESTRICTED_API_KEY = "rpl_sandbox_companies_only_8d1e4f20a6c7b935"
# Reads workers but without `workers.sensitive.personal.read`: personal fields are redacted.
NO_SENSITIVE_API_KEY = "rpl_sandbox_no_personal_data_51b7c3e9d2a04f68"

API_KEYS = {
    DEMO_API_KEY: {"name": "ml-connector", "scopes": ALL_READ_SCOPES},
    RESTRICTED_API_KEY: {"name": "companies only", "scopes": ("companies.read",)},
    NO_SENSITIVE_API_KEY: {"name": "no personal data",
                           "scopes": tuple(s for s in ALL_READ_SCOPES if s != "workers.sensitive.personal.read")},
}

COMPANY_ID = "65a0010000000000000000c1"
LEGAL_ENTITY_ID = "65a0020000000000000000e1"
EMPLOYEE_TYPE_ID = "65a0030000000000000000f1"
CONTRACTOR_TYPE_ID = "65a0030000000000000000f2"
WORK_LOCATION_ID = "65a004000000000000000101"
REMOTE_LOCATION_ID = "65a004000000000000000102"
DEPARTMENTS = {"engineering": "65a005000000000000000d01", "people": "65a005000000000000000d02"}


def object_id(kind: int, n: int) -> str:
    """Rippling ids are 24-hex Mongo ObjectIds; deterministic ones keep tests and fixtures stable."""
    return f"65a0{kind:02x}{n:018x}"


def rippling_error(status: int, detail: str, headers: dict | None = None) -> Response:
    return json_response({"detail": detail}, status, headers)


class ApiKeyRegistry(TokenIssuer):
    """Static API keys on the shared token machinery, so revocation and expiry faults apply.

    A key does not expire on a fixed date; it dies after a stretch without use (CONTRACT §1,
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
    demo_credentials = {"api_key": DEMO_API_KEY}
    # Flip in a test to serve next_link relative to the host, as PostHog saw (CONTRACT §3).
    relative_next_links = False

    def routes(self):
        # Trailing slashes as in the spec; the url map is built with strict_slashes=False so
        # `/workers` (as BATON and PostHog call it) answers too (CONTRACT §2).
        return [
            ("/workers/", ["GET"], "list_workers"),
        ]

    def reset(self):
        self.tokens = ApiKeyRegistry(self.clock, self.token_lifetime, prefix=self.name)
        for value, subject in API_KEYS.items():
            self.tokens.register(value, {**subject, "company_id": COMPANY_ID})
        # Companies whose plan includes API Tier 1 (CONTRACT §1); the demo company has it.
        self.entitled_companies = {COMPANY_ID}
        self.relative_next_links = type(self).relative_next_links
        self.workers = seed_workers()

    # --- shared pipeline hooks ------------------------------------------------------
    def rate_key(self, request):
        key = self.tokens.validate(self.bearer(request))
        return f"key:{key.subject['name']}" if key else "anonymous"

    def rate_headers(self, remaining, reset):
        return {}  # none documented (CONTRACT §7)

    def rate_limited_response(self, retry_after):
        return rippling_error(429, UNCONFIRMED["rate_limit_detail"].format(seconds=retry_after),
                              {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return rippling_error(status, message)

    def authorize(self, request: Request, scope: str) -> tuple[IssuedToken | None, Response | None]:
        """The calling key, or the 401/403 Rippling answers instead (CONTRACT §1, §6)."""
        presented = self.bearer(request)
        if not presented:
            return None, rippling_error(401, UNCONFIRMED["missing_credentials_detail"])
        key = self.tokens.validate(presented)
        if key is None:
            return None, rippling_error(401, UNCONFIRMED["unauthorized_detail"])
        if key.subject["company_id"] not in self.entitled_companies:
            return None, rippling_error(UNCONFIRMED["missing_entitlement_status"], UNCONFIRMED["forbidden_detail"])
        if scope not in key.subject["scopes"]:
            return None, rippling_error(403, UNCONFIRMED["forbidden_detail"])
        return key, None

    # --- endpoints --------------------------------------------------------------------
    def list_workers(self, request: Request) -> Response:
        key, denied = self.authorize(request, "workers.read")
        if denied is not None:
            return denied
        hidden = () if "workers.sensitive.personal.read" in key.subject["scopes"] else \
            UNCONFIRMED["sensitive_worker_fields"]
        return self.list_page(request, self.workers, sortable=("id", "created_at", "updated_at"), hidden=hidden)

    # --- the REST list conventions (CONTRACT §3) -------------------------------------------
    def list_page(self, request: Request, rows: list[dict], *, sortable: tuple[str, ...],
                  hidden: tuple[str, ...] = ()) -> Response:
        """`{__meta, results, next_link}` with opaque cursors that carry sort order and page size."""
        for unsimulated in ("filter", "expand"):
            if request.args.get(unsimulated):
                return rippling_error(400, f"The sandbox does not simulate `{unsimulated}` on {request.path} yet.")
        if request.args.get("cursor"):
            state = decode_cursor(request.args["cursor"])
            if state is None:
                return rippling_error(400, UNCONFIRMED["invalid_cursor_detail"])
            offset, limit, order_by = state["offset"], state["limit"], state["order_by"]
        else:
            offset = 0
            order_by = request.args.get("order_by") or UNCONFIRMED["default_order_by"]
            try:
                limit = int(request.args.get("limit", UNCONFIRMED["default_page_size"]))
            except ValueError:
                return rippling_error(400, "limit must be an integer.")
            limit = max(1, min(limit, UNCONFIRMED["max_page_size"]))
        if order_by not in sortable:
            return rippling_error(400, f"Cannot order by {order_by!r}; sortable fields: {', '.join(sortable)}.")

        ordered = sorted(rows, key=lambda row: (row.get(order_by) or "", row["id"]))
        window = ordered[offset:offset + limit]
        redacted = [name for name in hidden if any(name in row for row in window)]
        body = {
            "__meta": {"redacted_fields": [{"name": name, "reason": UNCONFIRMED["redaction_reason"]}
                                           for name in redacted]},
            "results": [{k: v for k, v in row.items() if k not in hidden} for row in window],
        }
        if offset + limit < len(ordered):
            # The spec has no nullable next_link: on the last page it is simply absent.
            body["next_link"] = self.next_link(request, encode_cursor(offset + limit, limit, order_by))
        return json_response(body)

    def next_link(self, request: Request, cursor: str) -> str:
        path = request.path.rstrip("/") + "/"
        query = urlencode({"cursor": cursor})
        if self.relative_next_links:
            return f"{path}?{query}"
        return f"{request.host_url.rstrip('/')}{path}?{query}"


def encode_cursor(offset: int, limit: int, order_by: str) -> str:
    raw = json.dumps({"offset": offset, "limit": limit, "order_by": order_by}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(state, dict):
            return None
        return {"offset": int(state["offset"]), "limit": int(state["limit"]), "order_by": str(state["order_by"])}
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def seed_workers() -> list[dict]:
    """Six workers of one company: four active (one manager), one hired but not started, one terminated.

    Optional fields are left out rather than sent as null: the spec declares none nullable.
    """
    manager_id = object_id(0x10, 1)

    def worker(n, email, status, start, *, title, department, created, updated, manager=True,
               employment_type=EMPLOYEE_TYPE_ID, remote=False, **extra):
        row = {
            "id": object_id(0x10, n),
            "created_at": created,
            "updated_at": updated,
            "user_id": object_id(0x11, n),
            "is_manager": n == 1,
            "legal_entity_id": LEGAL_ENTITY_ID,
            "country": "US",
            "start_date": start,
            "number": n,
            "work_email": email,
            "status": status,
            # The spec requires work_location_id even for REMOTE: remote workers hang off a
            # remote work location record.
            "location": {"type": "REMOTE", "work_location_id": REMOTE_LOCATION_ID} if remote else
            {"type": "WORK", "work_location_id": WORK_LOCATION_ID},
            "employment_type_id": employment_type,
            "overtime_exemption": "EXEMPT",
            "department_id": DEPARTMENTS[department],
            "teams_id": [],
            "business_partners_id": [],  # the spec says [] when none, not absent
            "title": title,
            "gender": extra.pop("gender", "UNDETERMINED"),
            "date_of_birth": extra.pop("date_of_birth", "1990-01-01"),
        }
        if manager and n != 1:
            row["manager_id"] = manager_id
        row.update(extra)
        return row

    return [
        worker(1, "grace.hopper@example.com", "ACTIVE", "2021-03-01", title="VP Engineering",
               department="engineering", created="2021-02-10T09:00:00+00:00", updated="2025-11-03T08:15:00+00:00",
               gender="FEMALE", date_of_birth="1978-12-09"),
        worker(2, "alan.turing@example.com", "ACTIVE", "2022-06-13", title="Staff Engineer",
               department="engineering", created="2022-05-20T14:30:00+00:00", updated="2025-12-01T10:00:00+00:00",
               gender="MALE", date_of_birth="1985-06-23", personal_email="alan@example.net"),
        worker(3, "katherine.johnson@example.com", "ACTIVE", "2023-01-09", title="People Partner",
               department="people", created="2022-12-15T11:00:00+00:00", updated="2026-01-05T16:45:00+00:00",
               gender="FEMALE", date_of_birth="1988-08-26", remote=True),
        worker(4, "edsger.dijkstra@example.com", "ACTIVE", "2024-02-01", title="Software Engineer (contract)",
               department="engineering", created="2024-01-22T08:00:00+00:00", updated="2026-01-20T12:00:00+00:00",
               employment_type=CONTRACTOR_TYPE_ID, overtime_exemption="NON_EXEMPT"),
        worker(5, "barbara.liskov@example.com", "HIRED", "2026-09-01", title="Principal Engineer",
               department="engineering", created="2026-02-02T13:20:00+00:00", updated="2026-02-02T13:20:00+00:00",
               gender="FEMALE", date_of_birth="1979-11-07"),
        worker(6, "john.backus@example.com", "TERMINATED", "2021-07-19", title="Data Engineer",
               department="engineering", created="2021-07-01T10:00:00+00:00", updated="2025-10-31T17:00:00+00:00",
               end_date="2025-10-31", gender="MALE", date_of_birth="1983-12-03",
               termination_details={"type": "VOLUNTARY", "reason": "Relocation"}),
    ]


SANDBOX = RipplingSandbox
