from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.monday.client import DEFAULT_API_VERSION, MondayClient
from connections.vendors.monday.oauth import AUTHORIZE_URL, TOKEN_URL

class MondayVendor(Vendor):
    def credentials_missing(self, credentials: dict) -> list[str]:
        # Either way in, complete: a personal API token, or both halves of an app's client credentials (OAuth).
        return self.token_or_app_missing(credentials, "api_token")


VENDOR = MondayVendor(
    kind="monday",
    label="monday.com",
    client_class=MondayClient,
    # The client posts to "v2" relative to this (docs/vendors/monday.md §1: POST https://api.monday.com/v2).
    default_base_url="https://api.monday.com",
    credential_fields=(
        CredentialField("api_token", "Personal API token", required=False,
                        help="monday.com: avatar > Developers > My access tokens. Regenerating it there "
                             "invalidates the old one. Or leave it empty and connect through a monday app below."),
        CredentialField("client_id", "App client ID", secret=False, required=False, help=(
            "For OAuth: the monday app's client id (Developers > My apps). Save, then click “Connect monday.com”.")),
        CredentialField("client_secret", "App client secret", required=False),
        CredentialField("signing_secret", "App signing secret", required=False, help=(
            "Only for webhooks created with an app token: verifies their JWT. Webhooks created with a "
            "personal token are unsigned.")),
    ),
    config_fields=(
        # The schema and the error formats change between versions (docs/vendors/monday.md §1, §6).
        ConfigField("api_version", "API version (API-Version header)", advanced=True, default=DEFAULT_API_VERSION,
                    help="YYYY-MM. The schema and error formats change between versions."),
        ConfigField("authorize_url", "OAuth authorize URL", url=True, default=AUTHORIZE_URL),
        ConfigField("token_url", "OAuth token URL", url=True, default=TOKEN_URL),
    ),
    sandbox_prefix="/monday",
    allowed_hosts=("api.monday.com", "auth.monday.com"),  # CONTRACT §1; OAuth at monday's auth host
    sandbox_config=lambda url: {"authorize_url": url.rstrip("/") + "/monday/oauth2/authorize",
                                "token_url": url.rstrip("/") + "/monday/oauth2/token"},
)
