"""Visma.net ERP client (api.finance.visma.net, Visma Connect client-credentials tokens).

Every call goes through `BaseClient.request`/`get_json`. Lists are classic Visma
pages (bare array, metadata on every item, docs/vendors/visma.md §7) streamed one page at a
time; writes wrap scalars as {"value": …} (§4); updates carry If-Match and a 412
is recovered by re-reading once (§5).
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Callable, Iterator
from urllib.parse import quote, unquote, urlsplit


from connections.vendors.base import BaseClient
from connections.vendors.errors import VendorAuthError, VendorConflict, VendorError, VendorNotFound
from connections.vendors.tokens import Token
from connections.vendors.visma.schemas import visma_timestamp, wrap_values

EMPLOYEES = "v1/employee"
CUSTOMERS = "v1/customer"
SUPPLIERS = "v1/supplier"
SUBACCOUNTS = "v1/subaccount"
ACCOUNTS = "v1/account"
SUPPLIER_INVOICES = "v1/supplierInvoice"
CUSTOMER_INVOICES = "v1/customerinvoice"
PURCHASE_ORDERS = "v1/purchaseorder"
PAYMENTS = "v1/payment"
DEPARTMENTS = "v1/department"
JOURNAL_TRANSACTIONS = "v2/journaltransaction"
# v2 journal transactions need periodId or lastModifiedDateTime; this one means "everything" (§4).
EVERYTHING_SINCE = "1900-01-01"


def path_key(value: Any) -> str:
    return quote(str(value), safe="")


def if_match_value(etag: str) -> str:
    return etag if etag.startswith(('"', "W/")) else f'"{etag}"'


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
        412: "The record was changed in Visma after it was read; it is re-read and the change applied again.",
        429: "Visma's hourly request quota for this company and client is used up; the sync waits until it resets.",
    }
    page_size = 500
    wrap_values = staticmethod(wrap_values)

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
            rows = self.get_json(ACCOUNTS, params={"pageNumber": 1, "pageSize": 1})
        except VendorAuthError as error:
            raise VendorAuthError(
                "Visma issued a token but refuses it on the API: the token is for a customer tenant, not a company. "
                "Set tenant_id to the company's tenant id.", vendor=self.vendor_label, status=error.status,
                vendor_message=error.vendor_message) from None
        total = rows[0].get("metadata", {}).get("totalCount") if rows else 0
        return f"Connected to Visma.net: token issued for tenant {self.credentials['tenant_id']}; {total or 0} GL accounts readable."

    # --- reading: pages and deltas (§7) ----------------------------------------------------------
    def iter_pages(self, path: str, params: dict | None = None, page_size: int | None = None, *,
                   start_page: int = 1) -> Iterator[list[dict]]:
        """Yield one page (a list of records) at a time, asking for the next only when this one is consumed.

        Sends pageNumber and pageSize on every call (without both, Visma applies defaults and may return an
        incomplete set). Stops on an empty page or at pageNumber >= ceil(totalCount / effective page size); the
        effective size is min(pageSize, maxPageSize) because Visma silently clamps, and dividing by the size
        asked for would stop early and lose records. `start_page` resumes a listing at a checkpointed page.
        """
        page_size = page_size or self.page_size
        page_number = start_page
        while True:
            body = self.get_json(path, params={**(params or {}), "pageNumber": page_number, "pageSize": page_size})
            if isinstance(body, dict) and isinstance(body.get("records"), list):  # BasePaginationDto (some v2)
                rows, total, effective = body["records"], body.get("totalCount"), body.get("pageSize") or page_size
            elif isinstance(body, list) or body is None:
                rows = body or []
                metadata = (rows[0].get("metadata") or {}) if rows else {}
                total = metadata.get("totalCount")
                effective = min(page_size, metadata.get("maxPageSize") or page_size)
            else:
                raise VendorError(f"{self.vendor_label} answered GET {path} with a {type(body).__name__}, not a list "
                                  "of records.", vendor=self.vendor_label)
            if not rows:
                return
            for row in rows:
                row.pop("metadata", None)
            yield rows
            if total is None:
                if len(rows) < effective:
                    return
            elif page_number >= math.ceil(total / effective):
                return
            page_number += 1

    def iter_records(self, path: str, params: dict | None = None, page_size: int | None = None) -> Iterator[dict]:
        for page in self.iter_pages(path, params, page_size):
            yield from page

    @staticmethod
    def delta_params(since: datetime | None) -> dict:
        """Records changed at or after `since` (>=: a record touched in the same millisecond is read again
        rather than missed; writes are upserts, so reading twice is harmless)."""
        if since is None:
            return {}
        return {"lastModifiedDateTime": visma_timestamp(since), "lastModifiedDateTimeCondition": ">="}

    # --- single records and writes (§4, §5) -------------------------------------------------------
    def get(self, path: str) -> tuple[Any, str | None]:
        """GET one resource: (body, ETag). The ETag equals the body's timeStamp (quoted)."""
        response = self.request("GET", path)
        return self.json(response), response.headers.get("ETag")

    def create(self, path: str, body: dict) -> tuple[str, str | None]:
        """POST a (value-wrapped) body; Visma answers 201 with an empty body and the new resource's
        Location, whose last segment is the new key. Returns (key, ETag)."""
        response = self.request("POST", path, json=body)
        location = response.headers.get("Location")
        if not location:
            raise VendorError(f"{self.vendor_label} answered {response.status_code} to POST {path} without a Location "
                              "header, so the new record's key is unknown.", vendor=self.vendor_label,
                              status=response.status_code)
        return unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]), response.headers.get("ETag")

    def update(self, path: str, body: dict, etag: str | None = None) -> str | None:
        """PUT a (value-wrapped) body; with `etag`, only if the record is still that version (If-Match).
        Returns the new ETag. A stale etag raises VendorPreconditionFailed (412, not retried as is)."""
        headers = {"If-Match": if_match_value(etag)} if etag else None
        response = self.request("PUT", path, json=body, headers=headers)
        return response.headers.get("ETag")

    def update_with_retry(self, path: str, build_body: Callable[[dict], dict]) -> str | None:
        """Read, build the body from the current record, PUT with If-Match. If someone changed the record in
        between (412), read it again, rebuild and retry once; a second 412 is raised."""
        current, etag = self.get(path)
        try:
            return self.update(path, build_body(current), etag=etag)
        except VendorConflict as error:
            if error.status != 412:
                raise
        current, etag = self.get(path)
        return self.update(path, build_body(current), etag=etag)

    # --- employees -----------------------------------------------------------------------------------
    def list_employees(self, since: datetime | None = None) -> Iterator[dict]:
        """Every employee changed since `since` (all when None), streamed page by page."""
        return self.iter_records(EMPLOYEES, self.delta_params(since))

    def get_employee(self, employee_cd: str | int) -> tuple[dict, str | None]:
        return self.get(f"{EMPLOYEES}/{path_key(employee_cd)}")

    def create_employee(self, fields: dict) -> tuple[str, str | None]:
        """`fields` in EmployeeCreateDTO terms, unwrapped: employeeCd, department, employeeClass, branch,
        calendar, contact {firstName, lastName, email, …} (all required), address {…}, status."""
        return self.create(EMPLOYEES, wrap_values(fields))

    def update_employee(self, employee_cd: str | int, fields: dict, etag: str | None = None) -> str | None:
        """`fields` in EmployeeUpdateDto terms, unwrapped; omitted fields are left unchanged (CONTRACT §4)."""
        return self.update(f"{EMPLOYEES}/{path_key(employee_cd)}", wrap_values(fields), etag=etag)

    # --- departments: what an employee's `department` must name ------------------------------------------
    def list_departments(self) -> list[dict]:
        """Every department (DepartmentDto: departmentId, description, …), e.g. for the mapping wizard."""
        return list(self.iter_records(DEPARTMENTS))

    def list_locations(self) -> list[dict]:
        """The places an employee can be put in: values of the LOCATION dimension (UNCONFIRMED, see the sandbox)."""
        return self.list_cost_centers("LOCATION", 1)

    # --- cost centres: values of a SUBACCOUNT segment (§4) ---------------------------------------------
    def list_cost_centers(self, dimension_id: str, segment_id: int) -> list[dict]:
        segment = self.get_json(f"v1/dimension/{path_key(dimension_id)}/{int(segment_id)}")
        return segment.get("segmentValues") or []

    def upsert_cost_center(self, dimension_id: str, segment_id: int, value_id: str, description: str,
                           active: bool = True, exists: bool | None = None) -> str:
        """Insert or update one segment value with a segmentValues operation; returns "Insert" or "Update".
        Pass `exists` when known (e.g. from list_cost_centers) to save the lookup."""
        segment_path = f"v1/dimension/{path_key(dimension_id)}/{int(segment_id)}"
        if exists is None:
            try:
                self.get_json(f"{segment_path}/{path_key(value_id)}")
                exists = True
            except VendorNotFound:
                exists = False
        operation = "Update" if exists else "Insert"
        # DtoSegmentValueUpdate: `value` is the bare value id; description/active are wrapped.
        self.update(segment_path, {"segmentValues": [{
            "operation": operation, "value": value_id,
            "description": {"value": description}, "active": {"value": active}}]})
        return operation

    # --- general ledger ---------------------------------------------------------------------------------
    def create_journal_transaction(self, fields: dict) -> tuple[str, str | None]:
        """`fields` in JournalTransactionUpdateDto terms, unwrapped; each line is {accountNumber,
        subaccount: [{segmentId, segmentValue}], debitAmountInCurrency | creditAmountInCurrency, …} and is
        sent with operation Insert unless it says otherwise. Returns (batchNumber, ETag)."""
        lines = [{"operation": "Insert", **line} for line in fields.get("journalTransactionLines", [])]
        return self.create(JOURNAL_TRANSACTIONS, wrap_values({**fields, "journalTransactionLines": lines}))

    def iter_journal_transactions(self, since: datetime | None = None, period_id: str | None = None) -> Iterator[dict]:
        """v2 takes lastModifiedDateTime without a Condition (it means "since"), or a periodId (YYYYPP)."""
        params: dict = {"periodId": period_id} if period_id else {}
        if since is not None or not period_id:
            params["lastModifiedDateTime"] = visma_timestamp(since) if since else EVERYTHING_SINCE
        return self.iter_records(JOURNAL_TRANSACTIONS, params)

    def find_journal_transaction(self, reference: str, period_id: str | None = None) -> dict | None:
        """The journal transaction one of whose lines carries `reference` as its referenceNumber, or None.

        Visma cannot filter journal transactions by reference, so this reads the period (or everything)
        and matches here; it is the lookup that keeps a resent posting from being booked twice."""
        for transaction in self.iter_journal_transactions(period_id=period_id):
            if any(line.get("referenceNumber") == reference for line in transaction.get("journalTransactionLines") or []):
                return transaction
        return None

    def financial_period(self, period_id: str) -> dict | None:
        """FinancialPeriodDto of one period (YYYYPP), or None when the company has no such period."""
        try:
            return self.get_json(f"v1/financialPeriod/{path_key(period_id)}")
        except VendorNotFound:
            return None

    def iter_accounts(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(ACCOUNTS, self.delta_params(since))

    def iter_subaccounts(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(SUBACCOUNTS, self.delta_params(since))

    # --- documents and parties ------------------------------------------------------------------------------
    def iter_supplier_invoices(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(SUPPLIER_INVOICES, self.delta_params(since))

    def iter_customer_invoices(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(CUSTOMER_INVOICES, self.delta_params(since))

    def iter_purchase_orders(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(PURCHASE_ORDERS, self.delta_params(since))

    def iter_payments(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(PAYMENTS, self.delta_params(since))

    def iter_customers(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(CUSTOMERS, self.delta_params(since))

    def iter_suppliers(self, since: datetime | None = None) -> Iterator[dict]:
        return self.iter_records(SUPPLIERS, self.delta_params(since))
