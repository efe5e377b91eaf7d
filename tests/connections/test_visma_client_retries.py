"""The Visma client's tokens, rate limits and retries against the sandbox (docs/vendors/visma.md §2, §6, the base
client): renewed before expiry, one re-auth on a 401, Retry-After honoured, a 5xx retried and a 400 never."""
import pytest

from connections.vendors.errors import VendorNotFound, VendorRejected
from tests.support.visma_api import visma  # noqa: F401  (a fixture)
from tests.support.visma_client import NEW_EMPLOYEE, client, sleeps, statuses  # noqa: F401  (client, sleeps: fixtures)


def token_requests(sandbox):
    return sandbox.app.log.filter(vendor="visma", path_contains="/connect/token")


def test_it_renews_a_token_that_expires_soon_before_using_it(client, visma, sandbox):
    visma.tokens.lifetime = 60  # under the client's renewal margin: never worth using

    client.get_employee("1001")
    client.get_employee("1002")

    assert len(token_requests(sandbox)) == 2
    assert statuses(sandbox, "GET") == [200, 200]  # renewed before the call, never refused


def test_it_reauthenticates_once_when_the_token_expired_at_visma(client, sandbox):
    client.get_employee("1001")
    sandbox.app.clock.advance(3601)  # Visma's clock says the token is dead; the client's cache does not know

    client.get_employee("1002")

    assert len(token_requests(sandbox)) == 2
    assert statuses(sandbox, "GET") == [200, 401, 200]


def test_it_reauthenticates_once_when_tokens_are_revoked_mid_run(client, visma, sandbox):
    visma.seed(employees=2345)
    visma.faults.revoke_tokens_after = 1

    assert sum(len(page) for page in client.iter_pages("v1/employee", page_size=1000)) == 2345
    assert statuses(sandbox, "GET") == [200, 401, 200, 200]
    assert len(token_requests(sandbox)) == 2


def test_it_waits_as_long_as_retry_after_says_on_a_429(client, visma, sandbox, sleeps):
    visma.faults.fail_next(1, status=429, headers={"Retry-After": "1"})

    body, _ = client.get_employee("1001")

    assert body["employeeId"] == 1001
    assert sleeps == [1.0]
    assert statuses(sandbox, "GET") == [429, 200]


def test_it_retries_a_5xx_but_never_a_400(client, visma, sandbox, sleeps):
    visma.faults.fail_next(2, status=503)
    assert client.get_employee("1001")[0]["employeeId"] == 1001
    assert statuses(sandbox, "GET") == [503, 503, 200] and len(sleeps) == 2

    with pytest.raises(VendorRejected) as rejected:
        client.create_employee({**NEW_EMPLOYEE, "department": "NOPE"})
    with pytest.raises(VendorRejected):
        list(client.iter_pages("v1/employee", params={"lastModifiedDateTime": "2026-01-01"}))
    with pytest.raises(VendorNotFound):
        client.get_employee("424242")

    assert "Department 'NOPE' does not exist" in str(rejected.value)
    assert statuses(sandbox, "POST") == [400]
    assert statuses(sandbox, "GET") == [503, 503, 200, 400, 404] and len(sleeps) == 2
