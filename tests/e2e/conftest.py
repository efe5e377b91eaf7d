"""Fixtures of the Visma → Power BI end-to-end tests: both sandboxes as the flow sees them."""
import pytest


@pytest.fixture
def powerbi(sandbox):
    return sandbox.app["powerbi"]


@pytest.fixture
def visma_company(sandbox):
    return sandbox.app["visma"]  # the seeded company: 30 supplier and 30 customer invoices, 15 payments
