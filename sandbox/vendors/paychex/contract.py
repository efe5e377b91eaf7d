"""What the Paychex sandbox takes from the vendor's documents (docs/vendors/paychex.md, specs/paychex/openapi.json).

The error texts, the media types each operation serves (read from the official SPEC itself, so a
representation the vendor does not list is answered 406), and `UNCONFIRMED`: every behaviour the contract
marks unconfirmed, or leaves open, in one place. When the real vendor answers otherwise, correct it here.
"""
from __future__ import annotations

import json
from functools import cache

from sandbox.core import SPECS_DIR

SPEC_PATH = SPECS_DIR / "paychex" / "openapi.json"

# The vendor's error texts, verbatim from the SPEC examples (double spaces included).
ERRORS = {
    "API-1": ("Internal Server Error.", "Please contact Paychex API Developer Center Support."),
    "API-2": ("Your application is not authorized to access the  resource.",
              "Please have your company administrator give your application access to the resource."),
    "API-7": ("The resource or status is invalid. You may have an incorrect resource ID.",
              "Send a valid resource in your request"),
    "API-10": ("The client is locked because another user or process is updating it.  Your changes cannot be  "
               "saved while the client is locked.", "Please try again later."),
    "API-40": ("The request isn't valid.", "Please send the valid request"),
    # The SPEC names API-43 ("No existing worker found matching search criteria") but shows no body.
    "API-43": ("No existing worker found matching search criteria.", "Change the search criteria."),
    "API-46": ("Please add the required attribute.", "Please provide the valid value."),
    "API-59": ("The request method type is unsupported.", None),
    "API-66": ("The service is temporarily unavailable.", "Please try again later."),
    "API-75": ("Invalid vendor media type.",
               "Please refer to our documentation and send the correct vendor media type"),
    "API-102": ("The client could not be authenticated due to missing or invalid client credentials.",
                "Make sure that you are using the correct API key/Secret and that your application is enabled."),
    "API-103": ("Bearer token is expired or invalid.", "Use the authorization service to generate a new token."),
}
# Which code the shared pipeline's generic errors (unknown path, wrong method, injected faults) carry.
CODE_FOR_STATUS = {401: "API-103", 403: "API-2", 404: "API-7", 405: "API-59", 406: "API-75", 423: "API-10",
                   500: "API-1", 502: "API-66", 503: "API-66", 504: "API-66"}


def error_body(code: str, description: str | None = None, resolution: str | None = None) -> dict:
    known_description, known_resolution = ERRORS.get(code, (None, None))
    item = {"code": code, "description": description or known_description or code}
    if resolution or known_resolution:
        item["resolution"] = resolution or known_resolution
    return {"errors": [item]}


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def media_types(spec_path: str, method: str = "get") -> tuple[str, ...]:
    """The representations the SPEC lists for an operation's success answer, vendor types first
    (docs/vendors/paychex.md §1): the first is served when the caller sends no Accept."""
    responses = spec()["paths"][spec_path][method]["responses"]
    declared = next((responses[code].get("content") or {} for code in ("200", "201") if code in responses), {})
    types = [t for t in declared if t != "*/*"] or ["application/json"]
    return tuple(sorted(types, key=lambda t: "vnd.paychex" not in t))


# Worker list filters: one group per request, never together with paging (SPEC GET /companies/{id}/workers).
WORKER_FILTER_GROUPS = (
    frozenset({"givenname", "familyname", "legallastfour"}),
    frozenset({"from", "to"}),
    frozenset({"employeeid"}),
    frozenset({"locationid"}),
)
PAGING_PARAMETERS = frozenset({"offset", "limit"})

# Profiles of the worker representations (docs/vendors/paychex.md §1, §4).
NON_PII_FIELDS = ("workState", "birthDate", "sex", "ethnicityCode", "legalId")
ROSTER_FIELDS = ("workerId", "employeeId", "name", "communications")

# Which worker fields each webhook domain covers (docs/vendors/paychex.md §8, DOC-WH trigger fields).
DOMAIN_FIELDS = {
    "WRKR_DEM": {"birthDate", "sex", "ethnicityCode", "name", "legalId"},
    "WRKR_EMPL": {"employeeId", "workerType", "employmentType", "exemptionType", "hireDate", "clockId",
                  "currentStatus"},
    "WRKR_ASGN": {"laborAssignmentId", "locationId", "jobId", "job", "organization", "supervisor"},
}
# Domains of a partner application (SPEC PARTNER_DOMAINS); a client application's lack CLT_ACCESS.
PARTNER_DOMAINS = ("WRKR_TAX", "CLT_ORG", "WRKR_EMPL", "CLT_PYRN", "WRKR_ASGN", "WRKR_DEM", "WRKR_CMP",
                   "NET_PAY_DSTRB", "WRKR_ADD", "CLT_DEM", "CLT_PAY_COMP", "WRKR_SHIFT", "CLT_ACCESS", "CLT_PROD",
                   "USR_CONSENT", "CLT_VEND_PYMT")
AUTH_TYPES = ("NO_AUTH", "BASIC_AUTH", "API_KEY", "APIKEY", "OAUTH2", "OAUTH2_BASIC")

# Everything the contract marks UNCONFIRMED, plus what it leaves open, in one place.
UNCONFIRMED = {
    # §1: hosts seen in fixture links, unconfirmed as public; the sandbox builds links from its own URL.
    "sandbox_hosts": ("https://sandbox.api.paychex.com", "https://api.n1.paychex.com"),
    # §2: a response header reportedly shows the token's remaining time; its name is unknown, so none is sent.
    "token_time_left_header": None,
    # §2: the token endpoint's own error body; the API's API-102 body is used.
    "token_error": (401, error_body("API-102")),
    # Contract silent: a grant_type other than client_credentials. Assumed 400 API-40 (invalid parameter).
    "token_unsupported_grant": (400, error_body("API-40", "The value for the grant_type is invalid.",
                                                "Send grant_type=client_credentials.")),
    # Contract silent: the SPEC's 401 examples on /companies show API-102, elsewhere API-103. The sandbox
    # answers API-102 when no bearer is sent and API-103 (§2, §9) for an expired or unknown one.
    "missing_bearer": "API-102",
    # Contract silent: a request without Accept gets the operation's first (vendor) media type.
    "default_media_type_without_accept": True,
    # SPEC /companies: the 404 text names API-43, its example API-7; the example body is served.
    "companies_not_found_code": "API-7",
    # Contract silent: an application no company has linked yet. Assumed 403 API-2 on GET /companies, as
    # the SPEC's "User doesn't have access to this endpoint (API-2)".
    "unlinked_app_companies_status": 403,
    # SPEC: hasPermission false = no active payroll products = "not accessible via the API"; assumed 403 API-2
    # on GET /companies/{id} (and everything under it) while the company still appears in GET /companies.
    "inactive_company_status": 403,
    # §4: the companies list reportedly becomes unavailable past ~200 linked companies; not simulated.
    "companies_list_limit": 200,
    # §5: "Paychex recommend a max 100 page size" (TAP); a larger limit is cut to it.
    "max_page_size": 100,
    # §5: a lone offset or limit is no paging at all, but still counts as a paging parameter when a filter
    # is sent with it (400 API-40).
    "lone_paging_parameter_is_paging": True,
    # §5: ETag of a page sent back as an ETag request header on the next page; server semantics unknown:
    # the sandbox emits one per listing and ignores the one sent.
    "etag_snapshot": "emit per listing, accept and ignore",
    # §7: no published limits. A generous fixed window per application (API key).
    "rate_limit": 300,
    "rate_window": 60.0,
    # §7: the 429 body (the vendor's error shape with an invented code) and Retry-After. No other
    # rate-limit headers are known, so none are invented.
    "rate_limit_body": error_body("API-429", "Too many requests.", "Wait for the time in Retry-After."),
    "rate_limit_headers": (),
    # §8 webhooks: WRKR_ADD wording, action values beyond the examples, the API_KEY header name.
    "webhook_wrkr_add": "worker added",
    "webhook_actions": ("ADD", "UPDATE", "DELETE"),
    "webhook_api_key_header": "x-api-key",
    # §8: the SPEC types GET /management/domains as a string and shows a list of lists; the contract says
    # a plain array of strings, which is served.
    "domains_shape": "array of strings",
    # §8: one notification per domain a change touches (every SPEC example names one domain).
    "one_notification_per_domain": True,
    # §8: retried "every 5 minutes until success"; a deleted hook's queued retries are dropped.
    "webhook_retry_seconds": 300,
    "webhook_deleted_hook_drops_retries": True,
    "webhook_timeout_seconds": 5.0,
    # §8: an unknown domain or a companyId the application is not linked to when registering a hook.
    "hook_unknown_domain": (400, "API-40"),
    "hook_unlinked_company": (403, "API-2"),
    # §8: the sandbox's applications are partner applications (CLT_ACCESS available).
    "application_type": "partner",
}
