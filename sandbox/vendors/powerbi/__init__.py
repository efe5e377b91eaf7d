"""Microsoft Power BI sandbox, from docs/vendors/powerbi.md and specs/powerbi/swagger.json.

Microsoft Entra ID (login.microsoftonline.com) is served under /powerbi-login, the Power BI REST API
(api.powerbi.com) under /powerbi. Behaviours the contract marks UNCONFIRMED are simulated as it says and
collected in `UNCONFIRMED` (contract.py) so they are easy to correct.

    api.py       the HTTP surface: token check first, group-scoped and My-workspace routes, workspace access
    datasets.py  the handlers: datasets, tables and rows, DAX queries, refreshes
    entra.py     the client-credentials token endpoint
    store.py     push datasets: schema checks, row checks, stored rows with basicFIFO, sums
    quotas.py    per-dataset POST rows quotas on sliding windows, on a clock tests can compress
    seed.py      the datasets the workspace starts with
"""
from sandbox.vendors.powerbi.api import PowerBISandbox
from sandbox.vendors.powerbi.contract import (
    BLOCKED_CREDENTIALS,
    DEMO_CREDENTIALS,
    POWER_BI_SCOPE,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    VIEWER_CREDENTIALS,
    WORKSPACE_ID,
)

SANDBOX = PowerBISandbox

__all__ = ["BLOCKED_CREDENTIALS", "DEMO_CREDENTIALS", "POWER_BI_SCOPE", "RESTRICTED_CREDENTIALS", "SANDBOX",
           "UNCONFIRMED", "VIEWER_CREDENTIALS", "WORKSPACE_ID", "PowerBISandbox"]
