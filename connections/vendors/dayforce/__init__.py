from connections.vendors.base import ConfigField, CredentialField, Vendor
from connections.vendors.dayforce.client import DayforceClient

VENDOR = Vendor(
    kind="dayforce",
    label="Dayforce HCM",
    client_class=DayforceClient,
    # Dayforce's discovery host; each namespace really lives on its own services host
    # (us{release}-services… or {tenant}.dayforcehcm.com), and the client names it when the
    # discovery host redirects (docs/vendors/dayforce.md §1). The base URL ends at /Api, without the namespace.
    default_base_url="https://www.dayforcehcm.com/Api",
    credential_fields=(
        CredentialField("company_id", "Company ID (namespace)", secret=False,
                        help="The Company ID typed at the Dayforce login page; it is the {clientNamespace} in "
                             "every API path."),
        CredentialField("username", "Web-services user name", secret=False,
                        help="A Dayforce user whose primary role has HCM Anywhere > Web Services > Read Data."),
        CredentialField("password", "Password"),
    ),
    config_fields=(
        ConfigField("token_url", "Token URL", url=True, default="https://dfid.dayforcehcm.com/connect/token",
                    help="Dayforce ID for production and touch; test and stage use "
                         "https://dfidtst.np.dayforcehcm.com/connect/token, config and train "
                         "https://dfidconfig.np.dayforcehcm.com/connect/token."),
    ),
    sandbox_prefix="/dayforce",
    # Discovery (www., test., …), the namespace hosts (us{release}-services., {tenant}.) and Dayforce ID
    # (dfid., dfidtst.np., …) are all under dayforcehcm.com (CONTRACT §1).
    allowed_hosts=("*.dayforcehcm.com",),
    # Dayforce ID is a separate host, served by the sandbox under its own prefix.
    sandbox_config=lambda url: {"token_url": url.rstrip("/") + "/dayforce-auth/connect/token"},
)
