"""Microsoft Entra ID's client-credentials token endpoint (docs/vendors/powerbi.md §1), for the Power BI sandbox."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.powerbi.contract import POWER_BI_SCOPE, UNCONFIRMED

# The tenant is the first path segment of the Entra token URL, so `unthrottled_paths` (a prefix match) cannot
# exempt it; the login host gets its own map and skips the API's faults and limits.
LOGIN_MAP = Map([Rule("/<tenant>/oauth2/v2.0/token", endpoint="token", methods=["POST"])], strict_slashes=False)


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


class EntraTokenEndpoint:
    """Mixed into the sandbox: needs `clock`, `tokens`, `principals` and `tenant_domains`."""

    def handle_login(self, request: Request, path: str) -> Response:
        adapter = LOGIN_MAP.bind("sandbox", path_info=path, url_scheme="http")
        try:
            _, args = adapter.match(method=request.method)
        except (NotFound, MethodNotAllowed) as exc:
            return json_response({"error": "invalid_request", "error_description": f"{exc.code}: {path}"},
                                 exc.code or 404)
        return self.token(request, **args)

    def entra_error(self, status: int, error: str, code: int, description: str) -> Response:
        now = _utc(self.clock.now())
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        return json_response({
            "error": error,
            "error_description": (f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\n"
                                  f"Correlation ID: {correlation_id}\r\nTimestamp: {now}"),
            "error_codes": [code], "timestamp": now, "trace_id": trace_id, "correlation_id": correlation_id,
        }, status)

    def token(self, request: Request, tenant: str) -> Response:
        form = request.form
        tenant_id = self.tenant_domains.get(tenant.lower(), tenant)
        if tenant_id not in {p.tenant_id for p in self.principals.values()}:
            status, error, code, text = UNCONFIRMED["unknown_tenant"]
            return self.entra_error(status, error, code, text.format(tenant=tenant))
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            status, error, code, text = UNCONFIRMED["bad_grant_type"]
            return self.entra_error(status, error, code, text.format(grant=grant))
        # The secret may come in the form or as HTTP Basic auth (§1).
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        if secret is None and request.authorization:
            client_id = client_id or request.authorization.username or ""
            secret = request.authorization.password
        principal = self.principals.get(client_id)
        if principal is None or principal.tenant_id != tenant_id:
            status, error, code, text = UNCONFIRMED["unknown_client"]
            return self.entra_error(status, error, code, text.format(client_id=client_id, tenant=tenant))
        if form.get("scope") != POWER_BI_SCOPE:
            return self.entra_error(400, "invalid_scope", 70011,
                                    f"The provided value for the input parameter 'scope' is not valid. "
                                    f"The scope {form.get('scope', '')} is not valid.")
        if secret != principal.secret:
            status, error, code, text = UNCONFIRMED["bad_secret"]
            return self.entra_error(status, error, code, text.format(client_id=client_id))
        issued = self.tokens.issue({"tenant_id": tenant_id, "client_id": client_id, "scope": POWER_BI_SCOPE})
        lifetime = int(self.tokens.lifetime)
        body = {"token_type": "Bearer", "expires_in": lifetime, "access_token": issued.value}
        if UNCONFIRMED["token_ext_expires_in"]:
            body["ext_expires_in"] = lifetime
        return json_response(body)
