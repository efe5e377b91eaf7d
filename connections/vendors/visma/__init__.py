from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.visma.client import VismaClient

VENDOR = Vendor(
    kind="visma",
    label="Visma.net ERP",
    client_class=VismaClient,
    default_base_url="https://api.finance.visma.net",
    credential_fields=(
        CredentialField("client_id", "Client ID", secret=False, help="From the Visma Developer Portal (isv_…)."),
        CredentialField("client_secret", "Client secret"),
        CredentialField("tenant_id", "Company tenant ID", secret=False,
                        help="The company's tenant GUID, not the customer tenant."),
        CredentialField("webhook_secret", "Webhook signature key", required=False, help=(
            "From the subscription in the Visma Developer Portal; verifies the x-vwd-signature-v1 header of "
            "webhooks sent to this connection's intake URL. During a rotation enter old,new.")),
    ),
    config_fields=(
        ConfigField("token_url", "Token URL", url=True, default="https://connect.visma.com/connect/token"),
        ConfigField("scope", "Scopes", advanced=True, default=(
            "vismanet_erp_service_api:read vismanet_erp_service_api:create "
            "vismanet_erp_service_api:update vismanet_erp_service_api:delete")),
        ConfigField("company_id", "Company number", advanced=True,
                    help="Optional; only for legacy setups that name the company in the ipp-company-id header."),
    ),
    sandbox_prefix="/visma",
    # The ERP API and Visma Connect, the token issuer (CONTRACT §1-2).
    allowed_hosts=("*.visma.net", "connect.visma.com"),
    sandbox_config=lambda url: {"token_url": url.rstrip("/") + "/visma-connect/connect/token"},
)
