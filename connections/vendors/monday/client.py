"""monday.com platform API client (GraphQL at https://api.monday.com/v2, static personal API tokens).

Facts cite docs/vendors/monday.md. `MondayClient` is put together from its halves: the GraphQL transport and its
error mapping (`graphql.py`), the board, item and webhook operations (`resources.py`) and the OAuth install
(`oauth.py`). This module holds what is the client's own: its hints, the raw token header, the token's own user
and the connection check.
"""
from __future__ import annotations

import hashlib

from connections.vendors.base import BaseClient
from connections.vendors.errors import VendorAuthError, VendorPermissionError, VendorUnavailable
from connections.vendors.monday import documents
from connections.vendors.monday.errors import graphql_errors, retry_in_seconds  # noqa: F401  (public helpers)
from connections.vendors.monday.graphql import MondayGraphQL
from connections.vendors.monday.oauth import NOT_CONNECTED_HINT, AppInstall
from connections.vendors.monday.resources import MondayResources

# The version of the SDL in the specs folder; monday serves a well-formed but unknown version as
# the current one, while a malformed value is an error (docs/vendors/monday.md §1).
DEFAULT_API_VERSION = "2026-10"


def token_digest(token: str | None) -> str:
    """A short digest of a token: a cached user id counts only while the token it was read with is in use."""
    return hashlib.sha256(str(token or "").strip().encode()).hexdigest()[:16]


class MondayClient(MondayResources, MondayGraphQL, AppInstall, BaseClient):
    vendor_label = "monday.com"
    # A personal API token, or an app's client id and secret whose token "Connect monday.com" fetches (oauth.py).
    required_credentials = ()
    hints = {
        401: ("monday.com does not accept the API token. Copy the current personal API token from monday.com "
              "(avatar > Developers > My access tokens) into the connection; regenerating the token there "
              "invalidates the old one. 'Your ip is restricted' means the account admin allows API calls only "
              "from listed IP addresses."),
        403: ("The token's user is not allowed to do this. Use a token of a member or admin who can see the "
              "boards involved, or ask the monday.com account admin to grant access."),
        404: "The board or item does not exist or is not shared with the token's user; check the board ids.",
        429: ("monday.com's rate limit or per-minute complexity budget was hit; the sync waits as long as "
              "monday asks and continues."),
    }
    code_hints = {
        "DAILY_LIMIT_EXCEEDED": ("The account's daily API call limit is used up; it resets at midnight UTC. "
                                 "Sync less often, or raise the limit in monday's administration (Enterprise)."),
        "ItemsLimitationException": (
            "The board holds as many items as monday.com allows on one board (10,000). Delete items you no longer "
            "need from it, or pick another board for these documents in the integration's setup; then replay the "
            "failed records."),
        "InvalidVersionException": ("Set the connection's API version to a YYYY-MM version monday.com supports, "
                                    f"e.g. {DEFAULT_API_VERSION}."),
    }

    # --- auth: a static personal token, sent raw ------------------------------------------
    # No token endpoint and no expiry (docs/vendors/monday.md §1), so nothing is fetched or cached: the header is
    # built from the connection's credentials on every call. A token pasted in after a "Regenerate"
    # therefore takes effect at once (a cached copy would be sent until it failed, or forever if it
    # belonged to another still-valid account), and no copy of the secret sits in the shared cache.
    def token(self):
        return None

    def auth_headers(self, token):
        # monday wants the raw token, without "Bearer " (docs/vendors/monday.md §1, [SDK]).
        if not self.credentials.get("api_token"):
            raise VendorAuthError(NOT_CONNECTED_HINT, vendor=self.vendor_label, hint=NOT_CONNECTED_HINT)
        return {
            "Authorization": str(self.credentials["api_token"]).strip(),
            "API-Version": self.config.get("api_version") or DEFAULT_API_VERSION,
        }

    # --- the token's own user (docs/flows/visma-monday.md "Own-user guard") ---------------------------------
    def token_digest(self) -> str:
        return token_digest(self.credentials.get("api_token"))

    def me_id(self) -> str:
        """The id of the monday user the token acts as (`me { id }`); remembered for this client's config."""
        me = self.graphql(documents.CHECK).get("me") or {}
        self.config.update(user_id=str(me.get("id") or ""), user_token=self.token_digest())
        return self.config["user_id"]

    @property
    def discovered_config(self) -> dict:
        # Kept on the connection, so the webhook intake knows which deliveries our own writes caused.
        if not self.config.get("user_id") or self.config.get("user_token") != self.token_digest():
            return {}
        return {"user_id": self.config["user_id"], "user_token": self.config["user_token"]}

    # --- the connection check --------------------------------------------------------------------------
    def check_connection(self) -> str:
        try:
            me = self.graphql(documents.CHECK).get("me")
        except VendorPermissionError as error:
            raise VendorPermissionError(
                "monday.com accepts the API token but says its user is not authorized to use the API "
                f"({error.vendor_message or 'UserUnauthorizedException'}). Use the personal API token of an account "
                "member or admin who may use the API; the account admin can check this user's role (guests are "
                "limited) and API permissions.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        if not me:
            raise VendorUnavailable("monday.com answered the connection check without the token's user.",
                                    vendor=self.vendor_label)
        self.config.update(user_id=str(me.get("id") or ""), user_token=self.token_digest())
        account = me.get("account") or {}
        return (f"Connected to monday.com account {account.get('name')} (id {account.get('id')}) "
                f"as {me.get('name')} (user {me.get('id')}).")
