"""Connecting monday.com by OAuth (authorization code, "Connect monday.com"): the app's client id and secret are
typed in, the account admin approves at monday, and the callback exchanges the code for the access token, which
is kept encrypted as the connection's `api_token`. monday's tokens do not expire and come without a refresh
token (docs/vendors/monday.md §1; the exchange's details are UNCONFIRMED), so nothing is renewed: an uninstalled
app answers 401, and the owner connects again.
"""
from __future__ import annotations

from urllib.parse import urlencode

from connections.vendors.errors import VendorAuthError

NOT_CONNECTED_HINT = ("The connection has no API token yet: paste a personal API token, or open the connection and "
                      "click “Connect monday.com”.")
SCOPES = "me:read boards:read boards:write webhooks:write"
AUTHORIZE_URL = "https://auth.monday.com/oauth2/authorize"
TOKEN_URL = "https://auth.monday.com/oauth2/token"


class AppInstall:
    """The OAuth half of `MondayClient` (mixed into it; `self` is a `BaseClient`)."""

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        if not self.credentials.get("client_id"):
            raise VendorAuthError("Enter the monday app's client id and secret first, then click “Connect monday.com”.",
                                  vendor=self.vendor_label)
        query = {"client_id": self.credentials["client_id"], "redirect_uri": redirect_uri, "state": state,
                 "scope": SCOPES}
        return f"{self.config.get('authorize_url') or AUTHORIZE_URL}?{urlencode(query)}"

    def install_complete(self, *, code: str, redirect_uri: str) -> dict:
        """Exchange the code; returns the credentials to keep: the access token, as the connection's api_token."""
        body = self.post_token_form(self.config.get("token_url") or TOKEN_URL, {
            "client_id": self.credentials.get("client_id", ""), "client_secret": self.credentials.get("client_secret", ""),
            "code": code, "redirect_uri": redirect_uri})
        if not body.get("access_token"):
            raise VendorAuthError("monday.com issued no access token; click “Connect monday.com” again.",
                                  vendor=self.vendor_label)
        self.credentials["api_token"] = body["access_token"]
        return {"api_token": body["access_token"]}
