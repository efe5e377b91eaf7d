"""Rippling sandbox: the new REST API (rest.ripplingapis.com), per docs/vendors/rippling.md and rest_openapi.json.

Served resources: /workers/ (+ /{id}/) with `filter`, `order_by`, `expand` and keyset cursors,
/users/, /departments/, /work-locations/, /employment-types/, /teams/, /levels/ (each + /{id}/) and /companies/.
Static customer API keys are registered up front, each with its scopes; App Shop installs get OAuth2
tokens (authorization code + refresh, oauth.py) and webhooks (webhooks.py); fields a key may not read
come back in `__meta.redacted_fields`. Tests change the company through the helpers on
`RipplingSandbox` (hire, update_worker, terminate, rehire, add_department, update_department,
inject_malformed_worker, seed) or the sandbox-only `POST /rippling/_control/<action>`.

Behaviours the contract marks UNCONFIRMED are simulated as it suggests and collected in
`UNCONFIRMED` (contract.py) so they are easy to correct.
"""
from sandbox.vendors.rippling.app import RipplingSandbox
from sandbox.vendors.rippling.contract import (
    ALL_READ_SCOPES,
    API_KEYS,
    COMPANY_ID,
    CONTRACTOR_TYPE_ID,
    DAY,
    DEMO_API_KEY,
    DEPARTMENTS,
    EMPLOYEE_TYPE_ID,
    LEGAL_ENTITY_ID,
    LEVELS,
    NO_SENSITIVE_API_KEY,
    NO_USERS_API_KEY,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    PART_TIME_TYPE_ID,
    REMOTE_LOCATION_ID,
    RESTRICTED_API_KEY,
    TEAMS,
    UNCONFIRMED,
    WORK_LOCATION_ID,
    object_id,
)
from sandbox.vendors.rippling.store import MALFORMED_KINDS

SANDBOX = RipplingSandbox

__all__ = [
    "ALL_READ_SCOPES", "API_KEYS", "COMPANY_ID", "CONTRACTOR_TYPE_ID", "DAY", "DEMO_API_KEY", "DEPARTMENTS",
    "EMPLOYEE_TYPE_ID", "LEGAL_ENTITY_ID", "LEVELS", "MALFORMED_KINDS", "NO_SENSITIVE_API_KEY", "NO_USERS_API_KEY", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET",
    "PART_TIME_TYPE_ID", "REMOTE_LOCATION_ID", "RESTRICTED_API_KEY", "SANDBOX", "TEAMS", "UNCONFIRMED", "WORK_LOCATION_ID",
    "RipplingSandbox", "object_id",
]
