"""Dayforce HCM REST client (per-tenant services host, password-grant tokens from Dayforce ID).

See docs/vendors/dayforce.md. Every REST path is `{base}/{clientNamespace}/V1/{Resource}`
with the base ending at `/Api` (docs/vendors/dayforce.md §1); the namespace is the connection's Company ID, which is
also the `companyId` field of the token request (docs/vendors/dayforce.md §2).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from connections.vendors.base import BaseClient
from connections.vendors.errors import VendorConfigurationError, VendorPermissionError, VendorUnavailable
from connections.vendors.tokens import Token

# The one OAuth client Dayforce ID issues web-services tokens to; it is fixed, not per customer
# (docs/vendors/dayforce.md §2).
OAUTH_CLIENT_ID = "Dayforce.HCMAnywhere.Client"

# The HCM Anywhere role feature a web-services user needs to read anything (docs/vendors/dayforce.md §2 "Permissions").
READ_PERMISSION = "Web Services > Read Data"


def process_results_message(body: Any) -> str:
    """The text of Dayforce's ProcessResult messages (docs/vendors/dayforce.md §3).

    Dayforce documents both PascalCase (`ProcessResults`, `Message`) and camelCase
    (`processResults`, `message`) spellings, so both are read.
    """
    if not isinstance(body, dict):
        return ""
    results = body.get("ProcessResults") or body.get("processResults") or []
    if not isinstance(results, list):
        return ""
    messages = []
    for result in results[:3]:
        if not isinstance(result, dict):
            continue
        text = result.get("Message") or result.get("message") or ""
        detail = ", ".join(filter(None, (result.get("Code") or result.get("code"),
                                         result.get("Context") or result.get("context"))))
        if text or detail:
            messages.append(f"{text} ({detail})" if text and detail else text or detail)
    return "; ".join(messages)[:500]


class DayforceClient(BaseClient):
    vendor_label = "Dayforce"
    required_credentials = ("company_id", "username", "password")
    token_hint = ("Check the Company ID (the namespace typed at the Dayforce login page), the web-services user "
                  "name and its password, and that the Token URL belongs to the same Dayforce environment as the "
                  "base URL (production dfid…, test/stage dfidtst.np…, config/train dfidconfig.np…).")
    hints = {
        400: "Dayforce rejected the request as malformed; its message above names the field (an unknown XRefCode "
             "is also a 400 at Dayforce).",
        401: ("Dayforce refused a freshly issued token. The token URL and the base URL probably belong to different "
              "Dayforce environments (a production token is not valid on a test host), or the base URL is not "
              "this Company ID's services host."),
        403: (f"The web-services user's primary role lacks the HCM Anywhere feature '{READ_PERMISSION}' (or the write "
              "sub-feature for this call); ask a Dayforce administrator to grant it. Dayforce only reads "
              "permissions from the user's primary role."),
        429: ("Dayforce's rate limit for this client (shared by every application using the namespace) was hit; "
              "the sync waits as Dayforce asks (Retry-After) and continues."),
    }

    # --- authentication (docs/vendors/dayforce.md §2) ----------------------------------------------
    @property
    def namespace(self) -> str:
        return self.credentials["company_id"].strip()

    def fetch_token(self) -> Token:
        # Password grant for the fixed HCM Anywhere client; there is no refresh token, so renewal is
        # simply another password grant when the one-hour token nears expiry.
        body = self.post_token_form(self.config["token_url"], {
            "grant_type": "password",
            "companyId": self.namespace,
            "username": self.credentials["username"],
            "password": self.credentials["password"],
            "client_id": OAUTH_CLIENT_ID,
        })
        return Token.from_oauth(body)

    def auth_headers(self, token):
        headers = super().auth_headers(token)
        headers["Accept"] = "application/json"
        return headers

    def vendor_message(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().vendor_message(response)
        # Token-endpoint errors are OAuth-shaped ({"error": ...}), which the base handles.
        return process_results_message(body) or super().vendor_message(response)

    # --- reads ---------------------------------------------------------------------
    def path(self, resource: str) -> str:
        """`{clientNamespace}/V1/{resource}`, relative to the base URL ending at /Api (docs/vendors/dayforce.md §1)."""
        return f"{quote(self.namespace, safe='')}/V1/{resource.lstrip('/')}"

    def get_data(self, resource: str, params: dict | None = None) -> Any:
        """GET a resource and return the `Data` member of Dayforce's envelope (docs/vendors/dayforce.md §3)."""
        # Redirects are not followed: Dayforce's discovery host answers 302 to the namespace's own
        # host (docs/vendors/dayforce.md §1), and requests would drop the bearer token on the cross-host hop, so
        # the call would end in a confusing 401. Naming the right host is more useful.
        response = self.request("GET", self.path(resource), params=params, allow_redirects=False)
        if response.is_redirect:
            target = urlsplit(urljoin(response.url, response.headers.get("Location", "")))
            host = f"{target.scheme}://{target.netloc}"
            raise VendorConfigurationError(
                f"Dayforce serves Company ID {self.namespace} from {host}, not from {self.base_url.rstrip('/')}. "
                f"Set the connection's base URL to {host}/Api.", vendor=self.vendor_label,
                status=response.status_code)
        body = self.json(response)
        if not isinstance(body, dict) or "Data" not in body:
            raise VendorUnavailable(f"Dayforce answered {resource} without its usual Data envelope. "
                                    "It will be retried.", vendor=self.vendor_label, status=response.status_code)
        return body["Data"]

    def employee_xrefcodes(self, **filters) -> list[str]:
        """XRefCodes of the employees matching Dayforce's search filters (docs/vendors/dayforce.md §4.1).

        Not paginated.
        """
        rows = self.get_data("Employees", params=filters or None) or []
        return [row["XRefCode"] for row in rows if isinstance(row, dict) and row.get("XRefCode")]

    # --- connection test -------------------------------------------------------------
    def check_connection(self) -> str:
        self.token()
        username = self.credentials["username"]
        try:
            # The employee search returns only XRefCodes, so it is the cheapest read that proves the
            # user may read HR data, not just log in.
            employees = self.employee_xrefcodes()
        except VendorPermissionError as error:
            said = f" (Dayforce said: {error.vendor_message})" if error.vendor_message else ""
            raise VendorPermissionError(
                f"Dayforce accepted the login, but user '{username}' lacks the HCM Anywhere permission "
                f"'{READ_PERMISSION}', so it may not read employees{said}. Ask a Dayforce administrator to add "
                f"HCM Anywhere > {READ_PERMISSION} to the user's primary role.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        count = len(employees)
        return (f"Connected to Dayforce namespace {self.namespace} as {username}; "
                f"{count} employee{'s' if count != 1 else ''} visible.")
