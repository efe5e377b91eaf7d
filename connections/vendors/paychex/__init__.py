from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.paychex.client import PaychexClient

VENDOR = Vendor(
    kind="paychex",
    label="Paychex Flex",
    client_class=PaychexClient,
    default_base_url="https://api.paychex.com",
    credential_fields=(
        CredentialField("client_id", "API key", secret=False,
                        help="The application's API key from developer.paychex.com (sent as client_id)."),
        CredentialField("client_secret", "API secret", help="The secret issued with the API key."),
        # What Paychex presents to our intake URL: registered on the hook (BASIC_AUTH or API_KEY).
        CredentialField("webhook_username", "Webhook user name", secret=False, required=False,
                        help="BASIC_AUTH user name registered on the Paychex hook."),
        CredentialField("webhook_password", "Webhook password", required=False,
                        help="BASIC_AUTH password registered on the Paychex hook."),
        CredentialField("webhook_api_key", "Webhook API key", required=False,
                        help="API_KEY registered on the Paychex hook (instead of Basic auth)."),
    ),
    config_fields=(
        # Paychex issues tokens on the API host itself (docs/vendors/paychex.md §2), so by default the
        # client derives the token URL from the base URL: one setting to change, and the
        # token always comes from the host that will accept it.
        ConfigField("token_url", "Token URL", url=True,
                    help="Leave blank to use <base URL>/auth/oauth/v2/token, e.g. "
                         "https://api.paychex.com/auth/oauth/v2/token."),
        ConfigField("company_id", "Company ID",
                    help="Paychex companyId (e.g. 99Z5V9BTI8J2FCGESC05), not the 8-digit client number. "
                         "Leave blank to list every company linked to the application."),
    ),
    sandbox_prefix="/paychex",
    # api.paychex.com, sandbox.api.paychex.com, api.n1.paychex.com (CONTRACT §1-2).
    allowed_hosts=("*.paychex.com",),
    # No separate auth host to redirect: the token URL follows the (sandbox) base URL.
    sandbox_config=lambda url: {},
)
