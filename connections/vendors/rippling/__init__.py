from connections.vendors.base import CredentialField, Vendor
from connections.vendors.rippling.client import RipplingClient

# The REST API (docs/vendors/rippling.md §2-3), not the legacy Platform API at api.rippling.com/platform/api.
# Customer API keys need no token endpoint (docs/vendors/rippling.md §1), so there is no auth host to configure
# and nothing for `sandbox_config` to redirect.
VENDOR = Vendor(
    kind="rippling",
    label="Rippling",
    client_class=RipplingClient,
    default_base_url="https://rest.ripplingapis.com",
    credential_fields=(
        CredentialField("api_key", "API key", help=(
            "Created by a Rippling admin under Company Settings → API Access, with the read scopes of the data "
            "to sync (at least workers.read).")),
        # App Shop webhooks carry no secret (docs/vendors/rippling.md §8): the intake URL's token is their only check.
    ),
    sandbox_prefix="/rippling",
    # Production, sandbox and preview REST hosts (CONTRACT §2); the legacy Platform API is not used.
    allowed_hosts=("rest.ripplingapis.com", "rest.ripplingsandboxapis.com", "rest.ripplingpreviewapis.com"),
)
