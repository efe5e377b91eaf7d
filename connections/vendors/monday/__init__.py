from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.monday.client import DEFAULT_API_VERSION, MondayClient

VENDOR = Vendor(
    kind="monday",
    label="monday.com",
    client_class=MondayClient,
    # The client posts to "v2" relative to this (docs/vendors/monday.md §1: POST https://api.monday.com/v2).
    default_base_url="https://api.monday.com",
    credential_fields=(
        CredentialField("api_token", "Personal API token",
                        help="monday.com: avatar > Developers > My access tokens. Regenerating it there "
                             "invalidates the old one."),
        CredentialField("signing_secret", "App signing secret", required=False, help=(
            "Only for webhooks created with an app token: verifies their JWT. Webhooks created with a "
            "personal token are unsigned.")),
    ),
    config_fields=(
        # The schema and the error formats change between versions (docs/vendors/monday.md §1, §6).
        ConfigField("api_version", "API version (API-Version header)", advanced=True, default=DEFAULT_API_VERSION,
                    help="YYYY-MM. The schema and error formats change between versions."),
    ),
    sandbox_prefix="/monday",
    allowed_hosts=("api.monday.com",),  # CONTRACT §1
    # Static personal tokens: no token endpoint or separate auth host to point at the sandbox.
    sandbox_config=lambda url: {},
)
