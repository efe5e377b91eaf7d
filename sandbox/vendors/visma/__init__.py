"""Visma.net ERP sandbox, from docs/vendors/visma.md.

Auth host (Visma Connect) is served under /visma-connect, the ERP API under /visma.
Behaviours the contract marks UNCONFIRMED are simulated as it says and collected
in `UNCONFIRMED` (contract.py) so they are easy to correct.

    contract.py         what the contract fixes and leaves UNCONFIRMED; the error body, ETag/If-Match
    api.py              the HTTP surface: routes, auth, the Python API, financial periods, webhooks control
    resources.py        list/get/create/update of the record resources, departments
    dimensions.py       dimension, segment and segment value reads, the segment update
    store.py            keyed tables, the stamp format, {"value": …} unwrapping
    query.py            delta windows, filters, classic paging
    writes.py           create/update validation of employees, customers, suppliers; every entity's rules
    ledger_writes.py    … of subaccounts, journal transactions, dimension segments
    document_writes.py  … of supplier invoices and purchase orders (updates only)
    write_fields.py     field rules all write DTOs share: text, numbers, references, contact, address
    periods.py          financial periods
    seed.py             deterministic data generator: master data
    seed_documents.py   … invoices, purchase orders, payments, journal transactions
    company.py          the fixed setup: reference lists, accounts, dimensions, subaccounts
    webhooks.py         signed deliveries with retries on a background thread
"""
from sandbox.vendors.visma.api import VismaSandbox
from sandbox.vendors.visma.contract import (
    CUSTOMER_TENANT_ID,
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    UNCONFIRMED,
    ipp_error,
)

SANDBOX = VismaSandbox

__all__ = ["CUSTOMER_TENANT_ID", "DEMO_COMPANY_ID", "DEMO_CREDENTIALS", "SANDBOX", "UNCONFIRMED", "VismaSandbox",
           "ipp_error"]
