"""Paychex Flex client (api.paychex.com, OAuth2 client-credentials tokens on the API host).

See docs/vendors/paychex.md. One API key can reach every company that has
linked the application (docs/vendors/paychex.md §2), so a connection optionally names the company it
works on; the connection check reads that company, or else the list of linked companies.
"""
from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from connections.vendors.base import BaseClient, extract_message
from connections.vendors.errors import VendorError, VendorNotFound, VendorPermissionError
from connections.vendors.paychex.resources import PaychexResources
from connections.vendors.tokens import Token

# The token endpoint lives on the API host itself (docs/vendors/paychex.md §2).
TOKEN_PATH = "auth/oauth/v2/token"

# Paychex selects a resource's representation by vendor media type in Accept and answers
# 406 API-75 to a type it does not serve on that path (docs/vendors/paychex.md §1).
COMPANIES_MEDIA_TYPE = "application/vnd.paychex.companies.v1+json"
COMPANY_MEDIA_TYPE = "application/vnd.paychex.company.v1+json"

# How many company names a connection check spells out before summarising.
NAMED_COMPANIES = 5

_ERROR_CODE = re.compile(r"^(API-\d+)\b")


def error_code(error: VendorError) -> str:
    """The Paychex error code ("API-2") at the head of an error's vendor message, or ""."""
    match = _ERROR_CODE.match(error.vendor_message or "")
    return match.group(1) if match else ""


def company_label(company: dict) -> str:
    return f"{company.get('legalName') or 'unnamed company'} ({company.get('companyId', '?')})"


class PaychexClient(PaychexResources, BaseClient):
    vendor_label = "Paychex"
    required_credentials = ("client_id", "client_secret")
    token_hint = ("Check the API key and secret of the application on developer.paychex.com, and that the "
                  "application is enabled.")
    hints = {
        401: ("Paychex refused a freshly issued token. If Token URL is set on the connection, it must be on the "
              "same Paychex host as the base URL (or leave it blank)."),
        403: "Ask the company's Paychex administrator to give the application access to the company.",
        404: ("Paychex knows no such resource for this application; check Company ID on the connection "
              "(Paychex's companyId, not the 8-digit client number)."),
        406: "Paychex does not serve the requested media type here; this is a bug in the connector, please report it.",
        423: "Paychex has the client locked while another user or process updates it; the call is retried.",
        429: "Paychex throttled the requests; the sync waits as asked and continues.",
    }

    # --- authentication (docs/vendors/paychex.md §2) ------------------------------------------------------
    @property
    def token_url(self) -> str:
        return self.config.get("token_url") or self.url(TOKEN_PATH)

    def fetch_token(self) -> Token:
        # Credentials go in the form body: the current docs and SPEC require it, although an
        # older doc page showed them as query parameters. Paychex has no refresh token; the
        # base client simply asks for a new token when this one nears its 60 minutes.
        body = self.post_token_form(self.token_url, {
            "grant_type": "client_credentials",
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
        })
        return Token.from_oauth(body)

    def vendor_message(self, response) -> str:
        """Paychex errors are `{"errors": [{"code", "description", "resolution"}]}` (docs/vendors/paychex.md §3)."""
        try:
            body = response.json()
        except ValueError:
            return super().vendor_message(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list) or not errors:
            return extract_message(body)
        parts = []
        for item in errors[:3]:
            if not isinstance(item, dict):
                continue
            # The vendor's texts contain stray double spaces ("access the  resource"), and their final
            # full stop would double the one ending our own sentence.
            text = " ".join(str(item.get("description") or item.get("resolution") or "").split()).rstrip(".")
            code = item.get("code")
            parts.append(f"{code}: {text}" if code and text else str(code or text))
        return "; ".join(filter(None, parts))[:500]

    # --- reads ----------------------------------------------------------------------------------
    def get_resource(self, path: str, media_type: str, params: dict | None = None) -> Any:
        """GET one Paychex resource in the given representation.

        The correlation id is Paychex's support and idempotency handle (docs/vendors/paychex.md §1); it is
        made once per logical call, so retries of the same call share it.
        """
        headers = {"Accept": media_type, "X-payx-client-correlationId": str(uuid.uuid4())}
        return self.get_json(path, params=params, headers=headers)

    # --- connection check -------------------------------------------------------------------
    def check_connection(self) -> str:
        self.token()  # a refused key/secret is reported as such, before any API read
        company_id = str(self.config.get("company_id") or "").strip()
        if company_id:
            return self._check_company(company_id)
        return self._check_companies()

    def _check_company(self, company_id: str) -> str:
        try:
            body = self.get_resource(f"companies/{quote(company_id, safe='')}", COMPANY_MEDIA_TYPE)
        except VendorPermissionError as error:
            raise self._permission_error(error, company_id) from None
        except VendorNotFound as error:
            raise VendorNotFound(
                f"Paychex has no company {company_id!r} for this application ({error.vendor_message}). Company ID "
                "must be Paychex's companyId (such as 99Z5V9BTI8J2FCGESC05), not the 8-digit client number.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        # Single-resource GETs wrap the object in content[0] too (docs/vendors/paychex.md §3).
        company = (body.get("content") or [{}])[0]
        if company.get("hasPermission") is False:
            raise self._inactive_payroll_error([company])
        return (f"Connected to Paychex company {company.get('legalName') or company_id} "
                f"(client number {company.get('displayId', '?')}, companyId {company.get('companyId', company_id)}).")

    def _check_companies(self) -> str:
        try:
            body = self.get_resource("companies", COMPANIES_MEDIA_TYPE)
        except VendorPermissionError as error:
            raise self._permission_error(error, "") from None
        except VendorNotFound:
            body = {}  # Paychex may answer "no companies found" as 404 API-7 (SPEC /companies)
        companies = body.get("content") or []
        if not companies:
            raise VendorPermissionError(
                "Paychex accepted the API key, but no company has given this application access yet. Ask the "
                "company's Paychex administrator to grant it access.", vendor=self.vendor_label)
        # hasPermission false = no active payroll products, so the API cannot read the company
        # (SPEC CompanyResource); absent means readable, as in older responses.
        readable = [c for c in companies if c.get("hasPermission") is not False]
        inactive = [c for c in companies if c.get("hasPermission") is False]
        if not readable:
            raise self._inactive_payroll_error(inactive)
        named = ", ".join(company_label(c) for c in readable[:NAMED_COMPANIES])
        if len(readable) > NAMED_COMPANIES:
            named += f" and {len(readable) - NAMED_COMPANIES} more"
        message = f"Connected to Paychex: the application can read {len(readable)} compan" \
                  f"{'y' if len(readable) == 1 else 'ies'}: {named}."
        if inactive:
            message += (f" {len(inactive)} more without active payroll products cannot be read: "
                        f"{', '.join(company_label(c) for c in inactive[:NAMED_COMPANIES])}.")
        return message

    def _permission_error(self, error: VendorPermissionError, company_id: str) -> VendorPermissionError:
        """Say in plain words what Paychex's 403 codes mean (docs/vendors/paychex.md §3)."""
        code = error_code(error)
        if code == "API-2" and company_id:
            message = (f"Paychex says this application is not authorized to access company {company_id} (API-2): "
                       "the company has not linked the application, or has no active payroll products. Ask the "
                       "company's Paychex administrator to grant the application access to this company.")
        elif code == "API-2":
            message = ("Paychex says this application is not authorized to read companies (API-2): no company has "
                       "given it access. Ask the company's Paychex administrator to grant the application access.")
        elif code == "API-68":
            message = (f"Paychex says {'company ' + company_id if company_id else 'the client'} has been end-dated "
                       "(API-68): it is no longer an active Paychex client, so its data cannot be read.")
        else:
            return error
        return VendorPermissionError(message, vendor=self.vendor_label, status=error.status,
                                     vendor_message=error.vendor_message)

    def _inactive_payroll_error(self, companies: list[dict]) -> VendorPermissionError:
        names = ", ".join(company_label(c) for c in companies[:NAMED_COMPANIES])
        return VendorPermissionError(
            f"Paychex links the application to {names}, but without active payroll products, and Paychex does not "
            "expose such companies through the API. Ask Paychex to activate payroll for the company.",
            vendor=self.vendor_label)
