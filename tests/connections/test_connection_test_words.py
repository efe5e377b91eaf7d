"""A connection test says what the person testing can do: nothing retries a test, so a vendor in trouble
is not "retried with backoff" there (a sync's run is, and says so)."""
from connections.services import connection_test


def test_a_vendor_in_trouble_during_a_test_asks_to_test_again(make_sandbox_connection, tenant_a, sandbox):
    connection = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling")
    sandbox.app["rippling"].faults.fail_next(50, status=503)

    result = connection_test(connection=connection)

    assert not result.ok
    assert "503" in result.message and "retried" not in result.message
    assert result.message.endswith("test again in a few minutes, and check the vendor's status page if it goes on.")
    connection.refresh_from_db()
    assert connection.last_error == result.message


def test_a_refusal_keeps_the_vendors_words_and_hint(make_sandbox_connection, tenant_a, rippling):
    connection = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling", credentials={"api_key": "x"})
    result = connection_test(connection=connection)
    assert not result.ok and "Invalid token" in result.message and "Create a new API key" in result.message
