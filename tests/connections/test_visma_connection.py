from connections.models import Connection
from connections.services import connection_test
from sandbox.vendors.visma import CUSTOMER_TENANT_ID


def test_it_reports_success_against_the_sandbox(make_sandbox_connection):
    connection = make_sandbox_connection("visma")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert "6 GL accounts" in result.message
    assert connection.status == Connection.Status.OK
    assert connection.last_tested_at is not None


def test_it_explains_a_customer_tenant_token(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("visma")
    connection.credentials = {**connection.credentials, "tenant_id": CUSTOMER_TENANT_ID}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert "customer tenant, not a company" in result.message
    assert connection.status == Connection.Status.FAILED
    assert connection.last_error == result.message


def test_it_explains_a_wrong_secret(make_sandbox_connection):
    connection = make_sandbox_connection("visma")
    connection.credentials = {**connection.credentials, "client_secret": "wrong"}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert "refused to issue a token" in result.message and "invalid_client" in result.message
    assert "wrong" not in result.message
