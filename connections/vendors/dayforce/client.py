"""Dayforce HCM REST client (per-tenant services host, password-grant tokens from Dayforce ID).

See docs/vendors/dayforce.md. Every REST path is `{base}/{clientNamespace}/V1/{Resource}`
with the base ending at `/Api` (docs/vendors/dayforce.md §1); the namespace is the connection's Company ID, which is
also the `companyId` field of the token request (docs/vendors/dayforce.md §2).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import quote, urljoin, urlsplit

from connections.vendors.base import BaseClient
from connections.vendors.errors import (
    VendorConfigurationError, VendorPermissionError, VendorRejected, VendorUnavailable,
)
from connections.vendors.tokens import Token

# The one OAuth client Dayforce ID issues web-services tokens to; it is fixed, not per customer
# (docs/vendors/dayforce.md §2).
OAUTH_CLIENT_ID = "Dayforce.HCMAnywhere.Client"

# The HCM Anywhere role feature a web-services user needs to read anything (docs/vendors/dayforce.md §2 "Permissions").
READ_PERMISSION = "Web Services > Read Data"
# Resources secured by a sub-feature of Read Data: pay data is kept apart from HR data, so a role can read
# people but not pay (the sub-feature's name is UNCONFIRMED; docs/vendors/dayforce.md §2). Dayforce's 403
# does not say which of the two is missing, so both are named.
RESOURCE_SUBFEATURES = {"EmployeePaySummaries": "Pay Summaries"}

# What a sync reads of an employee (docs/vendors/dayforce.md §4.2); collections come as {"Items": [...]}.
EMPLOYEE_EXPAND = ("WorkAssignments", "EmploymentStatuses", "EmployeeManagers", "Addresses", "Contacts",
                   "OrgUnitInfos", "CompensationSummary")
MAX_DISCOVERY_REDIRECTS = 5  # as many hops as the PowerShell client follows ([DJR])


def process_results_message(body: Any) -> str:
    """The text of Dayforce's ProcessResult messages (docs/vendors/dayforce.md §3).

    Dayforce documents both PascalCase (`ProcessResults`, `Message`) and camelCase
    (`processResults`, `message`) spellings, so both are read.
    """
    if isinstance(body, list):
        results = body  # the spec gives OrgUnits a bare array of ProcessResult as its error body
    elif isinstance(body, dict):
        results = body.get("ProcessResults") or body.get("processResults") or []
    else:
        return ""
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
    # Dayforce's published example limit for employee details, per client (namespace): 10 a second and
    # 100 a minute (docs/vendors/dayforce.md §6). The shared limiter holds every call of a run to it.
    rate_limits = ((10, 1.0), (100, 60.0))
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

    def session_start(self) -> None:
        """A fresh password grant for a run: a cached token could expire mid-run, and there is no
        refresh token to rescue it (docs/vendors/dayforce.md §2)."""
        self.invalidate_token()
        self.token()

    # --- discovery (docs/vendors/dayforce.md §1) -----------------------------------------------
    @property
    def discovered_config(self) -> dict:
        return {"service_uri": self.config["service_uri"]} if self.config.get("service_uri") else {}

    def service_uri(self) -> str:
        """The namespace's own services host, ending at /Api: cached on the connection, else discovered."""
        if not self.config.get("service_uri"):
            self.config["service_uri"] = self.discover()
        return self.config["service_uri"].rstrip("/")

    def discover(self) -> str:
        """ClientMetadata on the configured host: 200 with the ServiceUri, or a 302 to the namespace's
        host, which is asked again with the same token (requests would drop it on a cross-host hop)."""
        url = self.url(self.path("ClientMetadata"))
        for _ in range(MAX_DISCOVERY_REDIRECTS + 1):
            response = self.request("GET", url, allow_redirects=False)
            if not response.is_redirect:
                body = self.json(response)
                uri = body.get("ServiceUri") if isinstance(body, dict) else None
                if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
                    raise VendorUnavailable("Dayforce's ClientMetadata answered without a ServiceUri. It will be "
                                            "retried.", vendor=self.vendor_label, status=response.status_code)
                return uri
            url = urljoin(response.url, response.headers.get("Location", ""))
        raise VendorConfigurationError(
            f"Dayforce's discovery for Company ID {self.namespace} redirected more than "
            f"{MAX_DISCOVERY_REDIRECTS} times; check the connection's base URL.", vendor=self.vendor_label)

    # --- reads ---------------------------------------------------------------------
    def path(self, resource: str) -> str:
        """`{clientNamespace}/V1/{resource}`, relative to the base URL ending at /Api (docs/vendors/dayforce.md §1)."""
        return f"{quote(self.namespace, safe='')}/V1/{resource.lstrip('/')}"

    def resource_url(self, resource: str) -> str:
        return f"{self.service_uri()}/{self.path(resource)}"

    def get_body(self, url: str, params: dict | None = None) -> dict:
        """GET one URL and return Dayforce's envelope `{Data, ProcessResults[, Paging]}` (docs/vendors/dayforce.md §3)."""
        # Redirects are not followed here: after discovery one means the cached services host moved,
        # and requests would drop the bearer token on the cross-host hop. Naming the right host helps more.
        try:
            response = self.request("GET", url, params=params, allow_redirects=False)
        except VendorPermissionError as error:
            raise self.permission_error(error, url) from None
        if response.is_redirect:
            target = urlsplit(urljoin(response.url, response.headers.get("Location", "")))
            host = f"{target.scheme}://{target.netloc}"
            raise VendorConfigurationError(
                f"Dayforce serves Company ID {self.namespace} from {host}, not from {self.service_uri()}. "
                f"Set the connection's base URL to {host}/Api.", vendor=self.vendor_label,
                status=response.status_code)
        body = self.json(response)
        if not isinstance(body, dict) or "Data" not in body:
            raise VendorUnavailable(f"Dayforce answered {urlsplit(url).path} without its usual Data envelope. "
                                    "It will be retried.", vendor=self.vendor_label, status=response.status_code)
        return body

    def get_data(self, resource: str, params: dict | None = None) -> Any:
        return self.get_body(self.resource_url(resource), params)["Data"]

    def permission_error(self, refused: VendorPermissionError, url: str) -> VendorPermissionError:
        """Name the HCM Anywhere feature the user lacks, and what it could not read: in the message and,
        for runs that store it as a column, in the hint; `feature` is what to grant."""
        resource = urlsplit(url).path.rsplit("/V1/", 1)[-1] or url
        sub = RESOURCE_SUBFEATURES.get(resource.split("/")[0])
        lacks = f"'{READ_PERMISSION}'" + (f" or its sub-feature '{sub}'" if sub else "")
        grant = f"HCM Anywhere > {READ_PERMISSION}" + (f" > {sub}" if sub else "")
        user = self.credentials["username"]
        said = f" (Dayforce said: {refused.vendor_message})" if refused.vendor_message else ""
        hint = (f"User '{user}' lacks the HCM Anywhere permission {lacks}, so it may not read {resource}. Ask a "
                f"Dayforce administrator to add {grant} to the user's primary role (Dayforce reads permissions from "
                "the primary role only).")
        error = VendorPermissionError(
            f"Dayforce accepted the login, but user '{user}' lacks the HCM Anywhere permission {lacks}, so it may "
            f"not read {resource}{said}. Ask a Dayforce administrator to add {grant} to the user's primary role.",
            vendor=self.vendor_label, status=refused.status, vendor_message=refused.vendor_message, hint=hint)
        error.feature = grant
        return error

    def employee_xrefcodes(self, **filters) -> list[str]:
        """XRefCodes of the employees matching Dayforce's search filters (docs/vendors/dayforce.md §4.1).

        Not paginated.
        """
        rows = self.get_data("Employees", params=filters or None) or []
        return [row["XRefCode"] for row in rows if isinstance(row, dict) and row.get("XRefCode")]

    def employee_xrefs_updated(self, start: datetime, end: datetime) -> list[str]:
        """Employees with an update, or a record that became effective, in [start, end] (§4.1).

        Dayforce searches every HR entity regardless of the caller's access, so some of these have no
        change the caller can see; the caller compares what it maps.
        """
        return self.employee_xrefcodes(filterUpdatedStartDate=dayforce_datetime(start),
                                       filterUpdatedEndDate=dayforce_datetime(end))

    def employee_details(self, xref: str, expand: tuple[str, ...] = EMPLOYEE_EXPAND,
                         context_date: datetime | None = None) -> dict:
        """One employee with the named collections (`{"Items": [...]}`) as of `context_date` (§4.2).
        An unknown XRefCode is a 400 at Dayforce, so a VendorRejected here."""
        params = {"expand": ",".join(expand)} if expand else {}
        if context_date is not None:
            params["contextDate"] = dayforce_datetime(context_date)
        return self.get_data(f"Employees/{quote(xref, safe='')}", params=params)

    def employee_details_many(self, xrefs: list[str], *, expand: tuple[str, ...] = EMPLOYEE_EXPAND,
                              context_date: datetime | None = None,
                              concurrency: int = 4) -> list[dict | VendorRejected]:
        """Details of many employees, `concurrency` calls at a time (each under the rate limiter), in the
        order asked. An employee Dayforce refuses (an XRefCode it no longer knows is a 400) comes back as
        its VendorRejected, for the caller to quarantine; anything else (a 403, an outage, a rate limit
        longer than the inline wait) stops the read."""
        self.token()  # one password grant before the threads start, not one per thread

        def details(xref: str) -> dict | VendorRejected:
            try:
                return self.employee_details(xref, expand=expand, context_date=context_date)
            except VendorRejected as refused:
                return refused

        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="dayforce-details") as pool:
            return list(pool.map(details, xrefs))

    def org_units(self) -> list[str]:
        rows = self.get_data("OrgUnits") or []
        return [row["XRefCode"] for row in rows if isinstance(row, dict) and row.get("XRefCode")]

    def org_unit(self, xref: str, context_date: datetime | None = None) -> dict:
        """One org unit with its parents and children in force at `context_date` (§4.3)."""
        params = {"expand": "OrgUnitParents", "includeChildOrgUnits": "true"}
        if context_date is not None:
            params["contextDate"] = dayforce_datetime(context_date)
        return self.get_data(f"OrgUnits/{quote(xref, safe='')}", params=params)

    def pay_summary_pages(self, start: datetime, end: datetime, *, pay_group: str | None = None,
                          page_size: int | None = None) -> Iterator[list[dict]]:
        """EmployeePaySummaries between two dates (both required), page by page: each page names the
        next as an absolute URL carrying only a cursor, and the last one names "" (§4.4, §5)."""
        params = {"filterPaySummaryStartDate": dayforce_datetime(start),
                  "filterPaySummaryEndDate": dayforce_datetime(end)}
        if pay_group:
            params["payGroupXRefCode"] = pay_group
        if page_size:
            params["pageSize"] = page_size
        url, seen = self.resource_url("EmployeePaySummaries"), set()
        while url:
            body = self.get_body(url, params)
            yield body["Data"] or []
            following = (body.get("Paging") or {}).get("Next") or ""
            if following in seen:
                raise VendorUnavailable("Dayforce's pay-summary paging points back to a page already read. "
                                        "It will be retried.", vendor=self.vendor_label)
            seen.add(following)
            url, params = following, None

    def pay_summaries(self, start: datetime, end: datetime, **options) -> list[dict]:
        return [line for page in self.pay_summary_pages(start, end, **options) for line in page]

    # --- connection test -------------------------------------------------------------
    def check_connection(self) -> str:
        self.token()
        # The employee search returns only XRefCodes, so it is the cheapest read that proves the
        # user may read HR data, not just log in.
        count = len(self.employee_xrefcodes())
        return (f"Connected to Dayforce namespace {self.namespace} as {self.credentials['username']}; "
                f"{count} employee{'s' if count != 1 else ''} visible.")


def dayforce_datetime(moment: datetime) -> str:
    """Dayforce's date-time parameters, as its examples write them (`2017-01-01T13:24:56`), in UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
