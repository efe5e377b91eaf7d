from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.powerbi.client import DEFAULT_SCOPE, DEFAULT_TOKEN_URL, PowerBIClient

VENDOR = Vendor(
    kind="powerbi",
    label="Microsoft Power BI",
    client_class=PowerBIClient,
    default_base_url="https://api.powerbi.com",
    credential_fields=(
        CredentialField("tenant_id", "Directory (tenant) ID", secret=False,
                        help="Entra ID tenant GUID or primary domain (contoso.onmicrosoft.com)."),
        CredentialField("client_id", "Application (client) ID", secret=False,
                        help="From Entra ID → App registrations → your app → Overview."),
        CredentialField("client_secret", "Client secret",
                        help="The secret's Value (shown once when created), not its Secret ID."),
    ),
    config_fields=(
        ConfigField("group_id", "Workspace ID", required=True,
                    help="The GUID after /groups/ in the workspace URL. Service principals cannot use My workspace."),
        # {tenant} is filled in from the credentials; override only for sovereign clouds.
        ConfigField("token_url", "Token URL", url=True, default=DEFAULT_TOKEN_URL),
        ConfigField("scope", "Scope", advanced=True, default=DEFAULT_SCOPE),
    ),
    sandbox_prefix="/powerbi",
    # The REST API and Entra ID's token endpoint (CONTRACT §1-2); sovereign clouds need an operator allowlist.
    allowed_hosts=("api.powerbi.com", "login.microsoftonline.com"),
    # Entra ID is a separate host in real life; the sandbox serves it under /powerbi-login.
    sandbox_config=lambda url: {"token_url": url.rstrip("/") + "/powerbi-login/{tenant}/oauth2/v2.0/token"},
)
