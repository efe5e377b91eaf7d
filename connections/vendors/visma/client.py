"""Visma.net ERP client (api.finance.visma.net, Visma Connect client-credentials tokens)."""
from connections.vendors.base import BaseClient
from connections.vendors.errors import VendorAuthError
from connections.vendors.tokens import Token


class VismaClient(BaseClient):
    vendor_label = "Visma.net"
    required_credentials = ("client_id", "client_secret", "tenant_id")
    token_hint = ("Check the client id and secret, that tenant_id is the company's tenant GUID, "
                  "and that the application is approved for this company in the Visma App Store.")
    hints = {
        401: ("Visma refused the token. If the token was issued, tenant_id is probably the customer tenant "
              "instead of the company tenant: a customer-tenant token gets 401 on every call. Use the company's "
              "tenant id from Visma.net ERP."),
        403: "The integration lacks an API scope or ERP permission for this resource; grant it in Visma.",
        429: "Visma's hourly request quota for this company and client is used up; the sync waits until it resets.",
    }

    def fetch_token(self) -> Token:
        body = self.post_token_form(self.config["token_url"], {
            "grant_type": "client_credentials",
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
            "tenant_id": self.credentials["tenant_id"],
            "scope": self.config.get("scope", ""),
        })
        return Token.from_oauth(body)

    def auth_headers(self, token):
        headers = super().auth_headers(token)
        headers["Accept"] = "application/json"
        if self.config.get("company_id"):
            headers["ipp-company-id"] = str(self.config["company_id"])
        return headers

    def check_connection(self) -> str:
        self.token()
        try:
            rows = self.get_json("v1/account", params={"pageNumber": 1, "pageSize": 1})
        except VendorAuthError as error:
            raise VendorAuthError(
                "Visma issued a token but refuses it on the API: the token is for a customer tenant, not a company. "
                "Set tenant_id to the company's tenant id.", vendor=self.vendor_label, status=error.status,
                vendor_message=error.vendor_message) from None
        total = rows[0].get("metadata", {}).get("totalCount") if rows else 0
        return f"Connected to Visma.net: token issued for tenant {self.credentials['tenant_id']}; {total or 0} GL accounts readable."
