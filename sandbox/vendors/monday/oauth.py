"""monday.com OAuth2 authorization code for apps ("Connect monday.com"), as the sandbox simulates it.

monday serves it at auth.monday.com: `GET /oauth2/authorize?client_id&redirect_uri&state[&scope]` (the account
admin approves, the browser is sent back with `code` and `state`) and `POST /oauth2/token` (form: client_id,
client_secret, code, redirect_uri) → `{"access_token", "token_type": "Bearer", "scope"}`. The token does not
expire and has no refresh token. The contract (docs/vendors/monday.md §1) only names OAuth tokens, so every
detail here is UNCONFIRMED (`contract.UNCONFIRMED["oauth"]`). The sandbox serves both under `/monday/oauth2/`;
the token acts as the approving admin and is an app token: webhooks it creates are signed (§7).
"""
from __future__ import annotations

import secrets
import threading
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.monday.contract import ADMIN_USER_ID, OAUTH_CLIENTS, UNCONFIRMED


class OAuthServer:
    def __init__(self, clock, issue_app_token):
        self.clock = clock
        self.issue_app_token = issue_app_token  # (user id) → the raw token the API then accepts
        self._codes: dict[str, tuple[str, str, float]] = {}  # code → (client id, redirect uri, expires at)
        self._lock = threading.Lock()

    def authorize(self, request: Request) -> Response:
        """The account admin approves at once (no browser UI): redirect back with a code and the state."""
        client_id, redirect_uri = request.args.get("client_id", ""), request.args.get("redirect_uri", "")
        if client_id not in OAUTH_CLIENTS or not redirect_uri:
            return json_response({"error": "invalid_client", "error_description": "Unknown app client id"}, 400)
        query = {"code": self.code_issue(client_id=client_id, redirect_uri=redirect_uri)}
        if request.args.get("state"):
            query["state"] = request.args["state"]
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})

    def code_issue(self, *, client_id: str, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = (client_id, redirect_uri, self.clock.now() + UNCONFIRMED["oauth"]["code_lifetime"])
        return code

    def token(self, request: Request) -> Response:
        form = request.form
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if OAUTH_CLIENTS.get(client_id) != secret or not secret:
            return json_response(UNCONFIRMED["oauth"]["invalid_client"], 401)
        with self._lock:
            issued = self._codes.pop(form.get("code", ""), None)  # a code works once
        if issued is None or issued[0] != client_id or issued[1] != form.get("redirect_uri") or \
                issued[2] < self.clock.now():
            return json_response(UNCONFIRMED["oauth"]["invalid_grant"], 400)
        return json_response({"access_token": self.issue_app_token(ADMIN_USER_ID), "token_type": "Bearer",
                              "scope": UNCONFIRMED["oauth"]["scope"]})
