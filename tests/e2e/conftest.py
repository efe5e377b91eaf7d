"""Fixtures of the end-to-end flow tests."""
import pytest


@pytest.fixture
def monday(sandbox):
    """The monday sandbox, and no complexity budget learnt by an earlier test's client (connection ids repeat)."""
    from connections.vendors.monday.pacing import pacers_forget

    pacers_forget()
    return sandbox.app["monday"]
