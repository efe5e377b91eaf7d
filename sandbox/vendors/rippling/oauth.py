"""Rippling App Shop installs: the OAuth2 authorization code flow (docs/vendors/rippling.md §1).

An install redirects the admin's browser to the partner's redirect URL with a `code`; the partner
exchanges it at `/api/o/token/` with HTTP Basic client credentials for a 36-hour access token and a
refresh token. Refreshing goes to the same URL. Every token of an install dies when the admin who
installed it is terminated (→ 401, docs/vendors/rippling.md §1, [L-ERR]).

What the contract leaves open is in `contract.UNCONFIRMED` (error bodies, code lifetime, rotation).
"""
from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import Clock, TokenIssuer, json_response
from sandbox.vendors.rippling.contract import ALL_READ_SCOPES, COMPANY_ID, OAUTH_CLIENTS, UNCONFIRMED

ACCESS_TOKEN_SECONDS = 129_600  # the contract's example `expires_in` (36 h)


@dataclass
class Install:
    """One company's install of one partner app, made by one admin."""

    client_id: str
    installer_id: str
    scopes: tuple[str, ...]
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: bool = False


class OAuthServer:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.access = TokenIssuer(clock, ACCESS_TOKEN_SECONDS, prefix="rpl_oauth")
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[Install, str, float]] = {}  # code → (install, redirect_uri, expires_at)
        self._refresh: dict[str, Install] = {}
        self.installs: list[Install] = []
        # Rotation is UNCONFIRMED: on by default (the careful reading), off simulates a stable refresh token.
        self.rotate_refresh_tokens = UNCONFIRMED["oauth_refresh_rotates"]
        self.refreshes = 0

    # --- the admin's side: the install -----------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        """`GET /o/authorize`: the sandbox's admin approves at once and is sent back with a code."""
        client_id = request.args.get("client_id", "")
        redirect_uri = request.args.get("redirect_uri", "")
        if client_id not in OAUTH_CLIENTS or not redirect_uri.startswith(("http://", "https://")):
            return json_response({"error": "invalid_request",
                                  "error_description": "Unknown client_id or missing redirect_uri."}, 400)
        code = self.code_issue(client_id=client_id, redirect_uri=redirect_uri,
                               installer_id=request.args.get("installer_id", ""))
        query = {"code": code, "redirect_uri": redirect_uri}
        if request.args.get("state"):
            query["state"] = request.args["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(query)}"})

    def code_issue(self, *, client_id: str, redirect_uri: str, installer_id: str = "") -> str:
        from sandbox.vendors.rippling.contract import object_id

        install = Install(client_id, installer_id or object_id(0x10, 1), ALL_READ_SCOPES)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.installs.append(install)
            self._codes[code] = (install, redirect_uri, self.clock.now() + UNCONFIRMED["oauth_code_seconds"])
        return code

    # --- the partner's side: POST /api/o/token/ ---------------------------------------------------
    def token(self, request: Request) -> Response:
        client_id = self.client_of(request)
        if client_id is None:
            return json_response({"error": "invalid_client"}, 401, {"WWW-Authenticate": 'Basic realm="api"'})
        form = request.form
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                found = self._codes.pop(form.get("code", ""), None)  # a code works once
                if found is None or found[2] <= self.clock.now() or found[0].client_id != client_id:
                    return invalid_grant("The authorization code is invalid, expired or already used.")
                install, redirect_uri, _ = found
                if form.get("redirect_uri") != redirect_uri:
                    return invalid_grant("redirect_uri does not match the one the code was issued for.")
            elif grant == "refresh_token":
                presented = form.get("refresh_token", "")
                install = self._refresh.get(presented)
                if install is None or install.revoked or install.client_id != client_id:
                    return invalid_grant("The refresh token is invalid or was revoked.")
                self.refreshes += 1
                if self.rotate_refresh_tokens:
                    del self._refresh[presented]
                    install.refresh_tokens.discard(presented)
            else:
                return json_response({"error": "unsupported_grant_type"}, 400)
            refresh = presented if grant == "refresh_token" and not self.rotate_refresh_tokens else (
                f"rpl_refresh_{secrets.token_urlsafe(24)}")
            self._refresh[refresh] = install
            install.refresh_tokens.add(refresh)
        issued = self.access.issue({"name": f"oauth:{client_id}", "company_id": COMPANY_ID, "scopes": install.scopes,
                                    "installer_id": install.installer_id, "oauth": True})
        return json_response({"access_token": issued.value, "token_type": "Bearer",
                              "expires_in": ACCESS_TOKEN_SECONDS, "refresh_token": refresh,
                              "scope": " ".join(install.scopes)})

    @staticmethod
    def client_of(request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:6].lower() != "basic ":
            return None
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        expected = OAUTH_CLIENTS.get(client_id)
        return client_id if expected and secrets.compare_digest(expected, secret) else None

    # --- revocation -------------------------------------------------------------------------------
    def installer_terminated(self, worker_id: str) -> int:
        """The installing admin left: every token of their installs stops working (→ 401)."""
        revoked = 0
        with self._lock:
            for install in self.installs:
                if install.installer_id == worker_id and not install.revoked:
                    install.revoked = True
                    revoked += 1
                    for value in install.refresh_tokens:
                        self._refresh.pop(value, None)
        with self.access._lock:
            for token in self.access._tokens.values():
                if token.subject.get("installer_id") == worker_id:
                    token.revoked = True
        return revoked


def invalid_grant(description: str) -> Response:
    # RFC 6749 §5.2's body; Rippling's own wording is UNCONFIRMED.
    return json_response({"error": "invalid_grant", "error_description": description}, 400)
