"""Visma.net ERP sandbox, from docs/vendors/visma.md.

Auth host (Visma Connect) is served under /visma-connect, the ERP API under /visma.
Behaviours the contract marks UNCONFIRMED are simulated as it says and collected
in `UNCONFIRMED` (contract.py) so they are easy to correct.

    api.py        the HTTP surface: routes, auth, ETag/If-Match, writes, webhooks control
    store.py      keyed tables, delta windows, classic paging, {"value": …} unwrapping
    writes.py     per-entity create/update validation
    seed.py       deterministic data generator
    webhooks.py   signed deliveries with retries on a background thread
"""
from sandbox.vendors.visma.api import VismaSandbox, ipp_error
from sandbox.vendors.visma.contract import (
    CUSTOMER_TENANT_ID,
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    UNCONFIRMED,
)

SANDBOX = VismaSandbox

__all__ = ["CUSTOMER_TENANT_ID", "DEMO_COMPANY_ID", "DEMO_CREDENTIALS", "SANDBOX", "UNCONFIRMED", "VismaSandbox",
           "ipp_error"]
