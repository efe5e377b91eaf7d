"""Visma.net ERP sandbox, from ../shared/specs/visma/CONTRACT.md.

Auth host (Visma Connect) is served under /visma-connect, the ERP API under /visma.
Behaviours the contract marks UNCONFIRMED are simulated as it says and collected
in `UNCONFIRMED` below so they are easy to correct.
"""
from __future__ import annotations


from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response

# Everything the contract marks UNCONFIRMED, in one place.
UNCONFIRMED = {
    "token_body": "access_token, expires_in 3600, token_type Bearer, scope",  # §2
    "token_error": {"error": "invalid_client"},  # §2, RFC 6749 shape, 400
    "rate_limit_per_hour": 500,  # §6: the only published figure (old-domain policy)
    "rate_limit_body": "{statusCode: 429, message: 'Rate limit is exceeded. Try again in N seconds.'}",  # §6
    "max_page_size": 1000,  # §7
    "not_found_body": "IPPException shape with fault code 404",  # §9
}

DEMO_CREDENTIALS = {
    "client_id": "isv_mlconnector_sandbox",
    "client_secret": "visma-sandbox-secret",
    "tenant_id": "6f1b7c1e-0000-4000-8000-00000000c0de",  # a company tenant
}
CUSTOMER_TENANT_ID = "6f1b7c1e-0000-4000-8000-0000000c0570"  # authenticates, then 401 on every call


def ipp_error(status: int, message: str, code: str = "") -> Response:
    code = code or str(status)
    return json_response({
        "ExceptionType": "IPPException", "ExceptionMessage": message, "ExceptionFaultCode": code,
        "ExceptionMessageID": f"{code}_00000000-0000-0000-0000-000000000000", "ExceptionDetails": "",
    }, status)


class VismaSandbox(VendorSandbox):
    name = "visma"
    prefix = "/visma"
    rate_limit = UNCONFIRMED["rate_limit_per_hour"]
    rate_window = 3600.0
    unthrottled_paths = ("/connect/",)
    demo_credentials = DEMO_CREDENTIALS

    def prefixes(self):
        return ("/visma", "/visma-connect")

    def routes(self):
        return [
            ("/connect/token", ["POST"], "token"),
            ("/v1/account", ["GET"], "list_accounts"),
        ]

    def reset(self):
        self.clients = {DEMO_CREDENTIALS["client_id"]: DEMO_CREDENTIALS["client_secret"]}
        self.company_tenants = {DEMO_CREDENTIALS["tenant_id"]}
        self.customer_tenants = {CUSTOMER_TENANT_ID}
        self.accounts = [
            {"accountId": i, "accountCd": cd, "description": desc, "type": kind, "active": True,
             "lastModifiedDateTime": "2026-01-01T00:00:00", "timeStamp": f"AAAAAE{i:04d}="}
            for i, (cd, desc, kind) in enumerate([
                ("1910", "Cash", "Asset"), ("1930", "Bank", "Asset"), ("2440", "Accounts payable", "Liability"),
                ("3010", "Sales", "Income"), ("5010", "Rent", "Expense"), ("7010", "Salaries", "Expense"),
            ], start=1)
        ]

    # --- shared pipeline hooks ----------------------------------------------------
    def rate_key(self, request):
        token = self.tokens.validate(self.bearer(request))
        return f"{token.subject['client_id']}:{token.subject['tenant_id']}" if token else "anonymous"

    def rate_headers(self, remaining, reset):
        return {"X-RateLimit-Limit": str(self.limiter.limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(reset)), "X-RateLimit-Policy": "4-fixed-window"}

    def rate_limited_response(self, retry_after):
        return json_response({"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {retry_after} seconds."},
                             429, {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return ipp_error(status, message)

    def authorize(self, request: Request) -> Response | None:
        token = self.tokens.validate(self.bearer(request))
        if token is None or token.subject["tenant_id"] not in self.company_tenants:
            # Customer-tenant tokens authenticate but are refused everywhere (CONTRACT §2, DOC-401).
            return Response("", status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return None

    # --- endpoints -------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret"):
            return json_response(UNCONFIRMED["token_error"], 400)
        tenant_id = form.get("tenant_id", "")
        if tenant_id not in self.company_tenants | self.customer_tenants:
            return json_response({"error": "invalid_request", "error_description": "Unknown tenant_id"}, 400)
        issued = self.tokens.issue({"client_id": form["client_id"], "tenant_id": tenant_id,
                                    "scope": form.get("scope", "")})
        return json_response({"access_token": issued.value, "expires_in": int(self.tokens.lifetime),
                              "token_type": "Bearer", "scope": form.get("scope", "")})

    def list_accounts(self, request: Request) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        return self.page(request, self.accounts)

    def page(self, request: Request, rows: list[dict]) -> Response:
        """Classic list response: bare array, metadata on every item (CONTRACT §7)."""
        try:
            page_number = int(request.args.get("pageNumber", 1))
            page_size = int(request.args.get("pageSize", 100))
        except ValueError:
            return ipp_error(400, "pageNumber and pageSize must be integers")
        max_size = UNCONFIRMED["max_page_size"]
        page_size = max(1, min(page_size, max_size))
        start = (max(page_number, 1) - 1) * page_size
        window = rows[start:start + page_size]
        meta = {"totalCount": len(rows), "maxPageSize": max_size}
        return json_response([{**row, "metadata": meta} for row in window])
SANDBOX = VismaSandbox
