"""What the Rippling sandbox takes from docs/vendors/rippling.md and rest_openapi.json, and what it had to assume.

Everything the contract marks UNCONFIRMED (or leaves unsaid) is collected in `UNCONFIRMED`, so a
correction from the live API is a one-line change here.
"""
from __future__ import annotations

from werkzeug.wrappers import Response

from sandbox.core import json_response

DAY = 86_400.0

UNCONFIRMED = {
    # §1: PostHog's UI text says keys die after 30 days without use; Rippling does not say so.
    "api_key_idle_expiry_days": 30,
    # §6: no error schema is published; `{"detail": ...}` is the suggested shape, the texts are
    # Django REST Framework's defaults (the REST API answers like a DRF service).
    "error_body": "{'detail': '<message>'}",
    "unauthorized_detail": "Invalid token.",
    "missing_credentials_detail": "Authentication credentials were not provided.",
    "forbidden_detail": "You do not have permission to perform this action.",
    "not_found_detail": "Not found.",
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
    # `order_by=<field>` is accepted here, ties broken by id.
    "default_order_by": "id",
    # §3: the spec says next_link is a URI; PostHog saw relative ones. Absolute by default, and
    # `RipplingSandbox.relative_next_links = True` serves the relative form.
    "next_link_style": "absolute",
    # §3: the cursor is opaque. Here it is keyset paging: it carries filter, order, expand, page size
    # and the last (sort key, id) served, so records changing between pages are never skipped; a
    # record updated after it was served comes again later in an updated_at walk.
    "cursor_semantics": "keyset (last sort key, id) with filter/order/expand inside the cursor",
    "invalid_cursor_detail": "Invalid cursor.",
    # §3: the operators beyond eq/ge, `and`, and the texts of every filter error except the quoted
    # date one (RSG-NOTES; a datetime field is assumed to name `datetime.datetime`).
    "filter_operators": ("eq", "ne", "gt", "ge", "lt", "le"),
    "filter_conjunctions": ("and",),
    "filter_naive_datetime_timezone": "UTC",
    "quoted_datetime_detail": "{field} parameter is of the wrong type, expected: datetime.datetime | None, got: str",
    "unquoted_string_detail": "{field} parameter is of the wrong type, expected: str | None, got: {got}",
    "invalid_datetime_detail": "{field} parameter is not a valid datetime: {value!r}",
    "unknown_filter_field_detail": "Cannot filter by {field!r}; filterable fields: {allowed}.",
    "bad_filter_detail": "Invalid filter expression: {filter!r}.",
    # The spec declares `filter` only on /workers/ and `expand` only where it lists expandable fields;
    # elsewhere the parameters are refused rather than silently ignored.
    "undeclared_parameter_detail": "{parameter} is not supported on this endpoint.",
    "unknown_expand_detail": "Cannot expand {name!r}; expandable fields: {allowed}.",
    # §3: fields a key without `workers.sensitive.personal.read` gets redacted (the spec's own
    # example is date_of_birth / "Insufficient entitlements"; the full list is a guess).
    "sensitive_worker_fields": ("date_of_birth", "gender", "race", "ethnicity", "citizenship"),
    "redaction_reason": "Insufficient entitlements",
    # An expanded object the key has no read scope for (e.g. `user` without users.read) is dropped
    # and listed under its field name; fields hidden inside an expanded object are listed dotted
    # (`manager.date_of_birth`).
    "expanded_redaction": "drop the object, list its field name; nested fields as 'parent.field'",
    # Department.department_hierarchy_id is "ordered from parent department to child department";
    # whether it ends with the department itself is not said. Here it does.
    "department_hierarchy_includes_self": True,
    # Rehire: neither the contract nor the spec says whether Rippling reactivates the same worker or
    # creates a new worker record for the same user. Default: the same worker id comes back ACTIVE
    # (or HIRED for a future start) with a new start_date; `rehire(..., new_worker=True)` simulates
    # the other reading (new worker id, same user_id, the old record stays TERMINATED).
    "rehire_mode": "same_worker",
    # Terminations dated in the future: the worker is TERMINATED at once here.
    "terminate_future_dates_immediately": True,
    # A change to a worker's user (e.g. a name) also bumps the worker's updated_at here, so an
    # updated_at delta over workers sees it. Whether Rippling does is not documented.
    "user_change_bumps_worker": True,
    # The same for a new or changed compensation of the worker (Compensation has its own updated_at).
    "compensation_change_bumps_worker": True,
    # Timestamps are served in UTC with +00:00 (the contract's example); mutations carry microseconds.
    "timestamp_format": "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00",
    # §1 OAuth: how long a code works, whether a refresh returns a new refresh token (and retires the
    # old one), and the token endpoint's error bodies (RFC 6749 §5.2 shapes here) are not documented.
    "oauth_code_seconds": 600,
    "oauth_refresh_rotates": True,
    "oauth_error_body": "{'error': 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type', ...}",
    # §1: the installing admin is the company's first worker (the manager) in the sandbox.
    "oauth_installer": "worker number 1",
    # §8: Rippling documents no retry and no timeout for webhook deliveries; the sandbox sends each once,
    # from a background thread, and gives up after this many seconds.
    "webhook_timeout_seconds": 5.0,
    "webhook_retries": 0,
}

# Read scopes a fully set-up customer key has (names from rest_openapi.json's OAuth2 scopes).
ALL_READ_SCOPES = (
    "companies.read", "users.read", "workers.read", "workers.sensitive.personal.read",
    "workers.custom-fields.read", "departments.read", "work-locations.read", "teams.read", "levels.read",
    "titles.read", "employment-types.read", "custom-fields.read", "compensations.read", "legal-entities.read",
)

DEMO_API_KEY = "rpl_sandbox_full_access_3f9c2a7e51d84b06"
# Authenticates, but was created without `workers.read`: every worker read gets 403.
RESTRICTED_API_KEY = "rpl_sandbox_companies_only_8d1e4f20a6c7b935"
# Reads workers but without `workers.sensitive.personal.read`: personal fields are redacted.
NO_SENSITIVE_API_KEY = "rpl_sandbox_no_personal_data_51b7c3e9d2a04f68"
# Reads workers but not users: `expand=user` comes back redacted (no names).
NO_USERS_API_KEY = "rpl_sandbox_no_users_scope_0c6a9e27d41f83b5"

# App Shop partner apps (client id → secret) the sandbox's token endpoint knows (docs/vendors/rippling.md §1).
OAUTH_CLIENT_ID = "rpl_app_mlconnector_sandbox"
OAUTH_CLIENT_SECRET = "rpl_app_secret_7c2e9f41a8d3b650e1f4"
OAUTH_CLIENTS = {OAUTH_CLIENT_ID: OAUTH_CLIENT_SECRET}

API_KEYS = {
    DEMO_API_KEY: {"name": "ml-connector", "scopes": ALL_READ_SCOPES},
    RESTRICTED_API_KEY: {"name": "companies only", "scopes": ("companies.read",)},
    NO_SENSITIVE_API_KEY: {"name": "no personal data",
                           "scopes": tuple(s for s in ALL_READ_SCOPES if s != "workers.sensitive.personal.read")},
    NO_USERS_API_KEY: {"name": "no users", "scopes": tuple(s for s in ALL_READ_SCOPES if s != "users.read")},
}

COMPANY_ID = "65a0010000000000000000c1"
LEGAL_ENTITY_ID = "65a0020000000000000000e1"
EMPLOYEE_TYPE_ID = "65a0030000000000000000f1"
CONTRACTOR_TYPE_ID = "65a0030000000000000000f2"
PART_TIME_TYPE_ID = "65a0030000000000000000f3"
WORK_LOCATION_ID = "65a004000000000000000101"
REMOTE_LOCATION_ID = "65a004000000000000000102"
TEAMS = {"platform": "65a006000000000000000a01", "payroll": "65a006000000000000000a02"}
LEVELS = {"ic2": "65a007000000000000000b01", "manager": "65a007000000000000000b02"}
DEPARTMENTS = {"engineering": "65a005000000000000000d01", "people": "65a005000000000000000d02",
               "platform": "65a005000000000000000d03"}

# Object-id kinds (second byte of the id) of each generated resource.
WORKER_KIND, USER_KIND, DEPARTMENT_KIND = 0x10, 0x11, 0x05


def object_id(kind: int, n: int) -> str:
    """Rippling ids are 24-hex Mongo ObjectIds; deterministic ones keep tests and fixtures stable."""
    return f"65a0{kind:02x}{n:018x}"


def rippling_error(status: int, detail: str, headers: dict | None = None) -> Response:
    return json_response({"detail": detail}, status, headers)
