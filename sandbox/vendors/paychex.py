"""Paychex Flex sandbox, from docs/vendors/paychex.md and specs/paychex/openapi.json.

Everything is served under /paychex, token endpoint included: Paychex issues tokens on
the API host (docs/vendors/paychex.md §2). Seeded data follows the official samples in
specs/paychex/samples/. Behaviours the contract marks UNCONFIRMED (and the few
places where it is silent and the sandbox had to choose) are collected in `UNCONFIRMED`.
"""
from __future__ import annotations

import copy
import itertools
import json
import uuid
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, VendorSandbox, json_response

# The vendor's error texts, verbatim from the SPEC examples (double spaces included).
ERRORS = {
    "API-1": ("Internal Server Error.", "Please contact Paychex API Developer Center Support."),
    "API-2": ("Your application is not authorized to access the  resource.",
              "Please have your company administrator give your application access to the resource."),
    "API-7": ("The resource or status is invalid. You may have an incorrect resource ID.",
              "Send a valid resource in your request"),
    "API-10": ("The client is locked because another user or process is updating it.  Your changes cannot be  "
               "saved while the client is locked.", "Please try again later."),
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
    # on GET /companies/{id} while the company still appears in GET /companies.
    "inactive_company_status": 403,
    # §4: the companies list reportedly becomes unavailable past ~200 linked companies; not simulated.
    "companies_list_limit": 200,
    # §5: "Paychex recommend a max 100 page size" (TAP), for the paged collections (workers).
    "max_page_size": 100,
    # §5: ETag of a page sent back as an ETag request header on the next page; server semantics unknown:
    # the sandbox is to emit one per listing and accept or ignore it.
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
    "webhook_api_key_header": None,
}

DEMO_CREDENTIALS = {"client_id": "mlconnector-sandbox-api-key", "client_secret": "paychex-sandbox-secret"}
# Authenticates, but no company has granted the application access: 403 API-2 on every company resource.
RESTRICTED_CREDENTIALS = {"client_id": "mlconnector-restricted-api-key", "client_secret": "paychex-restricted-secret"}

DEMO_COMPANY_ID = "WWEMHMFU"
INACTIVE_COMPANY_ID = "00H2A1IUJXXCQWJ2GHGH"  # linked, but hasPermission false (no active payroll)
UNLINKED_COMPANY_ID = "99Z5V9BTI8J2FCGESC05"  # a Paychex client that never linked the demo application

# Companies as in samples/companies_companies.json and the SPEC's COMPANIES_GET example. The samples'
# legalIdType "INFL" is outside the SPEC enum (SSN, FEIN), so FEIN is used (docs/vendors/paychex.md §4).
SEED_COMPANIES = [
    {"companyId": "WWEMHMFU", "displayId": "62725201", "legalName": "SAMPLE CLIENT", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234567"},
     "communications": [{"type": "STREET_ADDRESS", "usageType": "BUSINESS", "streetLineOne": "112 PANORAMA ST.",
                         "city": "KASOL", "postalCode": "175105", "countrySubdivisionCode": "HP",
                         "countryCode": "IN"}]},
    {"companyId": "RPELHMDU", "displayId": "98771491", "legalName": "SAMPLE CLIENT 2", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234568"},
     "communications": [{"type": "STREET_ADDRESS", "usageType": "BUSINESS", "streetLineOne": "120 ST. PARKS",
                         "city": "LUDIANA", "postalCode": "385125", "countrySubdivisionCode": "PB",
                         "countryCode": "IN"}]},
    {"companyId": INACTIVE_COMPANY_ID, "displayId": "70125533", "legalName": "DORMANT CLIENT LLC",
     "hasPermission": False, "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234569"},
     "communications": [{"type": "STREET_ADDRESS", "usageType": "BUSINESS", "streetLineOne": "1517 Empire Blvd",
                         "city": "Webster", "postalCode": "14580", "countrySubdivisionCode": "NY",
                         "countryCode": "US"}]},
    {"companyId": UNLINKED_COMPANY_ID, "displayId": "09620579", "legalName": "Monsters, Inc", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "995886885"},
     "communications": [{"type": "STREET_ADDRESS", "usageType": "BUSINESS", "streetLineOne": "Mike St",
                         "streetLineTwo": "Sulley Ln", "city": "ANAHEIM", "countrySubdivisionCode": "CA",
                         "postalCode": "92802", "postalCodeExtension": "7890", "countryCode": "US"}]},
]

# Vendor media types each handler serves, default first (docs/vendors/paychex.md §1; SPEC per-operation content keys).
MEDIA_TYPES = {
    "list_companies": ("application/vnd.paychex.companies.v1+json", "application/json"),
    "get_company": ("application/vnd.paychex.company.v1+json", "application/json"),
}


@dataclass
class LinkedApp:
    """One Paychex application (API key) and the companies that gave it access."""

    secret: str
    company_ids: list[str] = field(default_factory=list)


class PaychexSandbox(VendorSandbox):
    name = "paychex"
    prefix = "/paychex"
    token_lifetime = 3600  # "access tokens expire in 60 minutes" (docs/vendors/paychex.md §2)
    rate_limit = UNCONFIRMED["rate_limit"]
    rate_window = UNCONFIRMED["rate_window"]
    unthrottled_paths = ("/auth/",)
    demo_credentials = DEMO_CREDENTIALS
    demo_config = {"company_id": DEMO_COMPANY_ID}

    def routes(self):
        return [
            ("/auth/oauth/v2/token", ["POST"], "token"),
            ("/companies", ["GET"], "list_companies"),
            ("/companies/<company_id>", ["GET"], "get_company"),
        ]

    def reset(self):
        self.apps = {
            DEMO_CREDENTIALS["client_id"]: LinkedApp(
                DEMO_CREDENTIALS["client_secret"], ["WWEMHMFU", "RPELHMDU", INACTIVE_COMPANY_ID]),
            RESTRICTED_CREDENTIALS["client_id"]: LinkedApp(RESTRICTED_CREDENTIALS["client_secret"]),
        }
        self.companies = {c["companyId"]: copy.deepcopy(c) for c in SEED_COMPANIES}
        self.transaction_ids = itertools.count(1)
        # Tests tune these on the live instance; a reset puts the contract's values back.
        self.tokens.lifetime = self.token_lifetime
        self.limiter.limit = self.rate_limit
        self.limiter.window = self.rate_window

    # --- shared pipeline hooks ----------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        response = super().handle(request, path)
        # Paychex's transaction id on every answer, for support (docs/vendors/paychex.md §1, CSHARP TransactionId).
        response.headers.setdefault("X-payx-txid", str(uuid.UUID(int=next(self.transaction_ids))))
        return response

    def rate_key(self, request):
        token = self.tokens.validate(self.bearer(request))
        return token.subject["client_id"] if token else "anonymous"

    def rate_limited_response(self, retry_after):
        return json_response(UNCONFIRMED["rate_limit_body"], 429, {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        code = CODE_FOR_STATUS.get(status)
        if code is None:
            return json_response(error_body("API-1", message), status)
        return json_response(error_body(code), status)

    # --- helpers for handlers -------------------------------------------------------
    def paychex_error(self, status: int, code: str) -> Response:
        return json_response(error_body(code), status)

    def authorize(self, request: Request) -> tuple[LinkedApp | None, Response | None]:
        """The calling application, or the 401 Paychex sends (see UNCONFIRMED["missing_bearer"])."""
        value = self.bearer(request)
        if not value:
            return None, self.paychex_error(401, UNCONFIRMED["missing_bearer"])
        token: IssuedToken | None = self.tokens.validate(value)
        app = self.apps.get(token.subject["client_id"]) if token else None
        if app is None:
            return None, self.paychex_error(401, "API-103")
        return app, None

    def negotiate(self, request: Request, handler: str) -> str | None:
        """The vendor media type to answer with, or None for 406 API-75 (docs/vendors/paychex.md §1)."""
        offered = MEDIA_TYPES[handler]
        if not request.accept_mimetypes and UNCONFIRMED["default_media_type_without_accept"]:
            return offered[0]
        return request.accept_mimetypes.best_match(offered)

    def api_link(self, request: Request, path: str) -> str:
        """Absolute hypermedia link, on whatever host the sandbox is served (docs/vendors/paychex.md §3)."""
        return request.host_url.rstrip("/") + self.prefix + path

    @staticmethod
    def represent(body: dict, media_type: str) -> Response:
        # Paychex echoes the negotiated media type as Content-Type (docs/vendors/paychex.md §1).
        return Response(json.dumps(body), status=200, content_type=media_type)

    def collection(self, request: Request, items: list[dict], media_type: str) -> Response:
        """`{metadata, content, links}` envelope of a collection (docs/vendors/paychex.md §3)."""
        self_href = self.api_link(request, request.path[len(self.prefix):])
        if request.query_string:
            self_href += "?" + request.query_string.decode()
        return self.represent({"metadata": {"contentItemCount": len(items)}, "content": items,
                               "links": [{"rel": "self", "href": self_href}]}, media_type)

    def single(self, item: dict, media_type: str) -> Response:
        """Single-resource GETs also wrap the object in `content[0]` (docs/vendors/paychex.md §3)."""
        return self.represent({"content": [item], "links": []}, media_type)

    def company_resource(self, request: Request, company: dict) -> dict:
        path = f"/companies/{company['companyId']}"
        return {**copy.deepcopy(company), "links": [
            {"rel": "self", "href": self.api_link(request, path)},
            {"rel": "workers", "href": self.api_link(request, path + "/workers")},
        ]}

    # --- endpoints -------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        # Credentials are read from the form body only (docs/vendors/paychex.md §2): sent as query parameters
        # they count as missing.
        form = request.form
        app = self.apps.get(form.get("client_id", ""))
        if app is None or not form.get("client_secret") or form.get("client_secret") != app.secret:
            status, body = UNCONFIRMED["token_error"]
            return json_response(body, status)
        if form.get("grant_type") != "client_credentials":
            status, body = UNCONFIRMED["token_unsupported_grant"]
            return json_response(body, status)
        issued = self.tokens.issue({"client_id": form["client_id"]})
        # expires_in as an integer, as the docs and samples show, not the SPEC's string (docs/vendors/paychex.md §2).
        return json_response({"access_token": issued.value, "token_type": "Bearer",
                              "expires_in": int(self.tokens.lifetime), "scope": "oob"})

    def list_companies(self, request: Request) -> Response:
        app, denied = self.authorize(request)
        if denied is not None:
            return denied
        media_type = self.negotiate(request, "list_companies")
        if media_type is None:
            return self.paychex_error(406, "API-75")
        if not app.company_ids:
            return self.paychex_error(UNCONFIRMED["unlinked_app_companies_status"], "API-2")
        companies = [self.companies[cid] for cid in app.company_ids if cid in self.companies]
        display_id = request.args.get("displayid")
        if display_id is not None:
            companies = [c for c in companies if c["displayId"] == display_id]
            if not companies:
                return self.paychex_error(404, UNCONFIRMED["companies_not_found_code"])
        return self.collection(request, [self.company_resource(request, c) for c in companies], media_type)

    def get_company(self, request: Request, company_id: str) -> Response:
        app, denied = self.authorize(request)
        if denied is not None:
            return denied
        media_type = self.negotiate(request, "get_company")
        if media_type is None:
            return self.paychex_error(406, "API-75")
        company = self.companies.get(company_id)
        if company is None:
            return self.paychex_error(404, "API-7")
        if company_id not in app.company_ids:
            return self.paychex_error(403, "API-2")  # samples/companies_company_no_access.json
        if not company["hasPermission"]:
            return self.paychex_error(UNCONFIRMED["inactive_company_status"], "API-2")
        return self.single(self.company_resource(request, company), media_type)


SANDBOX = PaychexSandbox
