"""Rippling connection test over real HTTP against the sandbox (docs/vendors/rippling.md §1, §3, §6, §7)."""
import pytest

from connections.models import Connection
from connections.services import connection_test, connection_update
from connections.vendors import get_vendor
from connections.vendors.errors import VendorRateLimited, VendorRejected
from sandbox.vendors.rippling import DAY, DEMO_API_KEY, NO_SENSITIVE_API_KEY, RESTRICTED_API_KEY

WRONG_KEY = "rpl_revoked_key_0123456789abcdef"


def test_it_reports_success_against_the_sandbox(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("rippling")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert result.message == "Connected to Rippling: the API key can read workers; 6 workers visible."
    assert connection.status == Connection.Status.OK
    [call] = sandbox.app.log.filter(vendor="rippling")
    assert call.path == "/rippling/workers/" and call.query == {"limit": ["100"]}
    assert call.headers["Authorization"] == "***"  # sent, and masked in the sandbox log


def test_a_full_first_page_is_reported_as_more(make_sandbox_connection):
    # Cursor paging has no total count, so the check never walks every page.
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"))
    client.page_size = 4

    assert client.check_connection().endswith("; more than 4 workers visible.")


def test_it_explains_a_wrong_api_key(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("rippling", credentials={"api_key": WRONG_KEY})

    result = connection_test(connection=connection)

    assert not result.ok
    assert result.message.startswith("Rippling rejected the API key: Invalid token. Create a new API key")
    assert "Company Settings → API Access" in result.message
    assert WRONG_KEY not in result.message
    assert connection.status == Connection.Status.FAILED and connection.last_error == result.message
    # A static key cannot be renewed: the base client's one re-authentication is the only retry.
    assert len(sandbox.app.log.filter(vendor="rippling")) <= 2


def test_it_names_the_missing_scope_of_a_restricted_key(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("rippling", credentials={"api_key": RESTRICTED_API_KEY})

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Rippling says the API key may not list workers: it lacks the scope 'workers.read'" in result.message
    assert "Company Settings → API Access" in result.message
    assert RESTRICTED_API_KEY not in result.message
    assert len(sandbox.app.log.filter(vendor="rippling")) == 1  # 403 is permanent: never retried


def test_it_mentions_fields_rippling_hides_from_the_key(make_sandbox_connection):
    connection = make_sandbox_connection("rippling", credentials={"api_key": NO_SENSITIVE_API_KEY})

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert "Rippling hides date_of_birth, gender from this key" in result.message


def test_a_key_in_use_stays_valid_and_an_idle_one_is_explained(make_sandbox_connection, sandbox):
    # API keys have no token to renew (docs/vendors/rippling.md §1); they lapse after 30 idle days (UNCONFIRMED),
    # so regular use keeps one alive and a lapsed one needs a new key from the admin.
    connection = make_sandbox_connection("rippling")
    for _ in range(2):
        sandbox.app.clock.advance(29 * DAY)
        assert connection_test(connection=connection).ok

    sandbox.app.clock.advance(31 * DAY)
    result = connection_test(connection=connection)

    assert not result.ok
    assert "Create a new API key in Rippling under Company Settings → API Access" in result.message


def test_a_new_key_entered_on_the_connection_is_used_at_once(make_sandbox_connection, sandbox):
    # The static-key counterpart of token renewal: nothing cached keeps sending the old key.
    connection = make_sandbox_connection("rippling", credentials={"api_key": RESTRICTED_API_KEY})
    assert not connection_test(connection=connection).ok

    connection_update(connection=connection, credentials={"api_key": DEMO_API_KEY})

    assert connection_test(connection=connection).ok


def test_it_waits_as_long_as_retry_after_asks(make_sandbox_connection, sandbox):
    sandbox.app["rippling"].faults.fail_next(1, status=429, headers={"Retry-After": "1"},
                                             body={"detail": "Request was throttled. Expected available in 1 seconds."})
    waits = []
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"), sleep=waits.append)

    message = client.check_connection()

    assert waits == [1.0]
    assert "6 workers visible" in message
    assert [call.status for call in sandbox.app.log.filter(vendor="rippling")] == [429, 200]


def test_a_long_rate_limit_wait_is_handed_to_the_caller(make_sandbox_connection, sandbox):
    sandbox.app["rippling"].limiter.limit = 1
    waits = []
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"), sleep=waits.append)
    client.check_connection()

    with pytest.raises(VendorRateLimited) as caught:
        client.check_connection()

    # The sandbox's window is a minute: longer than the client sleeps inline, so Celery waits instead.
    assert caught.value.retry_after == 60
    assert waits == []


def test_it_follows_relative_next_links_through_every_page(make_sandbox_connection, sandbox):
    sandbox.app["rippling"].relative_next_links = True
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"))

    pages = list(client.iter_pages("workers/", {"limit": 4, "order_by": "created_at"}))

    assert [len(page["results"]) for page in pages] == [4, 2]
    ids = [worker["id"] for page in pages for worker in page["results"]]
    assert len(set(ids)) == 6
    assert sandbox.app.log.filter(vendor="rippling")[1].query["cursor"]


def test_it_refuses_a_next_link_to_another_host(make_sandbox_connection):
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"))

    with pytest.raises(VendorRejected, match="not sent there"):
        client.next_page_url("https://attacker.example/workers/?cursor=abc")
