"""Paychex Flex sandbox (docs/vendors/paychex.md, specs/paychex/): `api` serves the API, `workers` the workers
and the mutations that notify hooks, `hooks` the registry and deliveries, `seed` the data, `contract` the
vendor's texts and everything UNCONFIRMED."""
from sandbox.vendors.paychex.api import PaychexSandbox
from sandbox.vendors.paychex.contract import ERRORS, UNCONFIRMED, error_body
from sandbox.vendors.paychex.seed import (
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    INACTIVE_COMPANY_ID,
    RESTRICTED_CREDENTIALS,
    SECOND_COMPANY_ID,
    UNLINKED_COMPANY_ID,
)

SANDBOX = PaychexSandbox

__all__ = ["DEMO_COMPANY_ID", "DEMO_CREDENTIALS", "ERRORS", "INACTIVE_COMPANY_ID", "RESTRICTED_CREDENTIALS",
           "SECOND_COMPANY_ID", "SANDBOX", "UNCONFIRMED", "UNLINKED_COMPANY_ID", "PaychexSandbox", "error_body"]
