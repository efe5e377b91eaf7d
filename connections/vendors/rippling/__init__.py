from dataclasses import dataclass

from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.rippling.client import RipplingClient


@dataclass(frozen=True)
class RipplingVendor(Vendor):
    def client_for(self, connection, **kwargs):
        # An App Shop install's refresh token rotates: the client writes the new one to the connection
        # (encrypted) and refreshes under a lock shared by every worker (connections/credential_store.py).
        if connection.pk is not None:
            from connections.credential_store import ConnectionCredentialStore

            kwargs.setdefault("credential_store", ConnectionCredentialStore(connection.pk))
        return super().client_for(connection, **kwargs)

    def credentials_missing(self, credentials: dict) -> list[str]:
        # Either way in, complete: an API key, or both halves of the App Shop app's client credentials.
        return self.token_or_app_missing(credentials, "api_key")


# The REST API (docs/vendors/rippling.md §2-3), not the legacy Platform API at api.rippling.com/platform/api.
# Two ways in (docs/vendors/rippling.md §1): a customer's API key (no token endpoint), or an App Shop
# install (OAuth2 authorization code at app.rippling.com, tokens refreshed there).
VENDOR = RipplingVendor(
    kind="rippling",
    label="Rippling",
    client_class=RipplingClient,
    default_base_url="https://rest.ripplingapis.com",
    credential_fields=(
        CredentialField("api_key", "API key", required=False, help=(
            "Either an API key, created by a Rippling admin under Company Settings → API Access with the read "
            "scopes of the data to sync (at least workers.read); or leave it empty and connect through the App "
            "Shop app below.")),
        CredentialField("client_id", "App Shop client ID", secret=False, required=False, help=(
            "For an App Shop install (OAuth): the app's client id. Save, then click “Connect Rippling”.")),
        CredentialField("client_secret", "App Shop client secret", required=False),
        # App Shop webhooks carry no secret (docs/vendors/rippling.md §8): the intake URL's token is their only check.
        # The install's refresh token is not typed in: the "Connect Rippling" callback stores it.
    ),
    config_fields=(
        ConfigField("token_url", "OAuth token URL", url=True, default="https://app.rippling.com/api/o/token/"),
        ConfigField("authorize_url", "OAuth authorize URL", url=True, default="https://app.rippling.com/o/authorize"),
    ),
    sandbox_prefix="/rippling",
    sandbox_config=lambda url: {"token_url": url.rstrip("/") + "/rippling/api/o/token/",
                                "authorize_url": url.rstrip("/") + "/rippling/o/authorize"},
    # Production, sandbox and preview REST hosts (docs/vendors/rippling.md §2); the legacy Platform API is not
    # used. App Shop tokens come from app.rippling.com (sandbox.rippling.com for Rippling's own sandbox, §1).
    allowed_hosts=("rest.ripplingapis.com", "rest.ripplingsandboxapis.com", "rest.ripplingpreviewapis.com",
                   "app.rippling.com", "sandbox.rippling.com"),
)
