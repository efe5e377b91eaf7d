"""Dayforce HCM sandbox, from docs/vendors/dayforce.md and specs/dayforce/openapi.yaml.

contract.py holds what the documentation says (and what it leaves UNCONFIRMED), seed.py and payroll.py
the seeded company, store.py its data and the changes tests make, views.py how records are shown,
app.py the HTTP surface (hosts, Dayforce ID, rate limits) and resources.py the REST resources it serves.
"""
from sandbox.vendors.dayforce.app import DayforceSandbox
from sandbox.vendors.dayforce.contract import (
    DEMO_CREDENTIALS, DEMO_NAMESPACE, FIELD_RESTRICTED_USERNAME, NO_PAY_DATA_USERNAME, PAY_DATA, RESTRICTED_USERNAME,
    UNCONFIRMED, process_results,
)

SANDBOX = DayforceSandbox

__all__ = ["DEMO_CREDENTIALS", "DEMO_NAMESPACE", "FIELD_RESTRICTED_USERNAME", "NO_PAY_DATA_USERNAME", "PAY_DATA",
           "RESTRICTED_USERNAME", "SANDBOX",
           "UNCONFIRMED", "DayforceSandbox", "process_results"]
