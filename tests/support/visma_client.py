"""The project's Visma client pointed at the Visma sandbox, for the client's tests (tests/connections/): an employee
to create, a client whose backoff sleeps are recorded, and what the sandbox logged of its calls."""
import pytest

from connections.vendors import get_vendor
from connections.vendors.tokens import MemoryTokenCache

NEW_EMPLOYEE = {
    "employeeCd": "5001", "department": "IT", "employeeClass": "EMPSAL", "branch": "1", "calendar": "MAIN",
    "status": "Active", "contact": {"firstName": "Mari", "lastName": "Solheim", "email": "mari.solheim@example.no"},
    "address": {"addressLine1": "Storgata 1", "postalCode": "0150", "city": "Oslo", "countryId": "NO"},
}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(make_sandbox_connection, sandbox, sleeps):
    """A Visma client whose backoff sleeps are recorded and move the sandbox clock instead of waiting.

    Its tokens are cached in memory: the default Django cache in tests is a file cache under var/ that every
    test process on the machine shares (and clears), which would make token counts depend on other runs."""

    def sleep(seconds):
        sleeps.append(seconds)
        sandbox.app.clock.advance(seconds)

    return get_vendor("visma").client_for(make_sandbox_connection("visma"), sleep=sleep,
                                          token_cache=MemoryTokenCache())


def calls(sandbox, method=None, path=""):
    return [e for e in sandbox.app.log.filter(vendor="visma", method=method, path_contains=path)
            if "/connect/token" not in e.path]


def statuses(sandbox, method=None, path=""):
    return [e.status for e in calls(sandbox, method, path)]
