"""Rippling App Shop installs: OAuth2 authorization code and refresh (docs/vendors/rippling.md §1).

An install sends the admin's browser back to us with a code, exchanged with HTTP Basic client
credentials for a 36-hour access token and a refresh token. The refresh token is kept encrypted in the
connection's credentials and replaced whenever Rippling returns a new one. When the admin who
installed the app leaves, Rippling revokes every token (401, then the refresh is refused): the
connection is marked failing with what to do.
"""
from __future__ import annotations

from urllib.parse import urlencode

from connections.vendors.errors import VendorAuthError
from connections.vendors.tokens import Token

REVOKED_HINT = ("Rippling revoked the App Shop install: the admin who installed the app has left the company "
                "(Rippling then revokes every token they granted) or the app was uninstalled. A Rippling admin of "
                "the company has to connect it again: open the connection and click “Connect Rippling”.")
NOT_CONNECTED_HINT = "The connection is not installed from Rippling yet: open it and click “Connect Rippling”."


def auth_method(credentials: dict) -> str:
    """"api_key" (a customer's static key) or "oauth" (an App Shop install: client id + refresh token)."""
    return "oauth" if credentials.get("client_id") and not credentials.get("api_key") else "api_key"


class MemoryCredentialStore:
    """Where a client built without a connection (scripts, benchmarks) keeps a rotated refresh token."""

    def __init__(self, credentials: dict):
        self.credentials = credentials

    def current(self) -> dict:
        return dict(self.credentials)

    def refresh_token_rotate(self, *, refresh_token: str) -> None:
        self.credentials["refresh_token"] = refresh_token

    def install_revoked(self, *, message: str) -> None:
        return None


class AppShopInstall:
    """The OAuth half of `RipplingClient` (mixed into it; `self` is a `BaseClient`)."""

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        """Where the "Connect Rippling" button sends the admin's browser."""
        query = {"client_id": self.credentials["client_id"], "redirect_uri": redirect_uri, "state": state,
                 "response_type": "code"}
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def install_complete(self, *, code: str, redirect_uri: str) -> str:
        """Exchange the install's code (HTTP Basic client credentials); returns the refresh token.
        The access token (36 h) goes to the shared token cache, so the first sync needs no refresh."""
        body = self.post_token_form(self.config["token_url"], {
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}, auth=self.client_auth())
        if not body.get("refresh_token"):
            raise VendorAuthError("Rippling issued no refresh token for the install; connect Rippling again.",
                                  vendor=self.vendor_label)
        self.token_cache.set(self.cache_key, Token.from_oauth(body))
        self.credentials["refresh_token"] = body["refresh_token"]
        return body["refresh_token"]

    def client_auth(self) -> tuple[str, str]:
        return (self.credentials["client_id"], self.credentials["client_secret"])

    def fetch_token(self) -> Token | None:
        """Refresh the install's access token with the newest refresh token.

        The base client calls this single-flight: under its token lock (threads of this client) and the
        token cache's renewal lock (every worker of the connection), after reading the cache again. So the
        refresh token read here is the one the last refresh stored, and Rippling never sees a retired one.
        """
        if not self.oauth:
            return None
        refresh_token = self.credential_store.current().get("refresh_token")
        if not refresh_token:
            raise VendorAuthError(NOT_CONNECTED_HINT, vendor=self.vendor_label)
        try:
            body = self.post_token_form(self.config["token_url"], {
                "grant_type": "refresh_token", "refresh_token": refresh_token}, auth=self.client_auth())
        except VendorAuthError as error:
            said = f" Rippling said: {error.vendor_message}" if error.vendor_message else ""
            message = f"{REVOKED_HINT}{said}"
            self.credential_store.install_revoked(message=message)
            raise VendorAuthError(message, vendor=self.vendor_label, status=error.status,
                                  vendor_message=error.vendor_message, hint=REVOKED_HINT) from None
        rotated = body.get("refresh_token")
        if rotated and rotated != refresh_token:
            # Rippling may retire the old refresh token (UNCONFIRMED): it is stored before the access token is used.
            self.credential_store.refresh_token_rotate(refresh_token=rotated)
            self.credentials["refresh_token"] = rotated
        return Token.from_oauth(body)
