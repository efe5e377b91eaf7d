"""Fixtures of the end-to-end flow tests: the sandboxes as the flows see them."""
import pytest


@pytest.fixture
def powerbi(sandbox):
    return sandbox.app["powerbi"]


@pytest.fixture
def visma_company(sandbox):
    return sandbox.app["visma"]  # the seeded company: 30 supplier and 30 customer invoices, 15 payments


@pytest.fixture
def monday(sandbox):
    """The monday sandbox, and no complexity budget learnt by an earlier test's client (connection ids repeat)."""
    from connections.vendors.monday.pacing import pacers_forget

    pacers_forget()
    return sandbox.app["monday"]
