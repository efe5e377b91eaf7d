import json

from connections.models import Connection
from connections.services import connection_test
from connections.vendors import get_vendor
from sandbox.vendors.dayforce import DEMO_CREDENTIALS, RESTRICTED_USERNAME, process_results
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)


def client_for(connection, sandbox, waits=None):
    """A Dayforce client whose backoff sleeps move the sandbox clock instead of waiting."""

    def sleep(seconds):
        if waits is not None:
            waits.append(seconds)
        sandbox.app.clock.advance(seconds)

    return get_vendor("dayforce").client_for(connection, sleep=sleep)


def test_it_reports_success_against_the_sandbox(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert result.message == "Connected to Dayforce namespace mlconnector as ws.mlconnector; 12 employees visible."
    assert connection.status == Connection.Status.OK
    token_call, = sandbox.app.log.filter(vendor="dayforce", path_contains="/connect/token")
    assert token_call.path == "/dayforce-auth/connect/token"
    assert token_call.body == {"grant_type": "password", "companyId": "mlconnector", "username": "ws.mlconnector",
                               "password": "***", "client_id": "Dayforce.HCMAnywhere.Client"}
    # Discovery names the namespace's services host (ending at /Api), which is kept on the connection.
    discovery, read = sandbox.app.log.filter(vendor="dayforce", method="GET")
    assert discovery.path == "/dayforce/mlconnector/V1/ClientMetadata"
    assert read.path == "/dayforce/Api/mlconnector/V1/Employees"
    connection.refresh_from_db()
    assert connection.config["service_uri"] == sandbox.url + "/dayforce/Api"


def test_it_works_with_the_api_segment_of_real_base_urls(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce", base_url=sandbox.url + "/dayforce/Api")

    result = connection_test(connection=connection)

    assert result.ok, result.message


def test_it_explains_a_wrong_password_without_repeating_it(make_sandbox_connection):
    connection = make_sandbox_connection("dayforce")
    connection.credentials = {**connection.credentials, "password": "Wr0ngPassw0rd!"}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert "refused to issue a token" in result.message and "invalid_grant" in result.message
    assert "Company ID" in result.message and "password" in result.message
    assert "Wr0ngPassw0rd!" not in result.message
    assert connection.status == Connection.Status.FAILED


def test_it_names_the_missing_hcm_anywhere_permission(make_sandbox_connection):
    connection = make_sandbox_connection("dayforce")
    connection.credentials = {**connection.credentials, "username": RESTRICTED_USERNAME}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert result.message.startswith(
        f"Dayforce accepted the login, but user '{RESTRICTED_USERNAME}' lacks the HCM Anywhere permission "
        "'Web Services > Read Data', so it may not read Employees")
    assert "User does not have access." in result.message
    assert "primary role" in result.message
    assert connection.last_error == result.message


def test_it_renews_an_expired_token_transparently(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")
    assert connection_test(connection=connection).ok

    # Our cache still holds the token, but Dayforce's hour is over: one 401, a new password grant, success.
    sandbox.app.clock.advance(3601)
    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert len(sandbox.app.log.filter(vendor="dayforce", path_contains="/connect/token")) == 2
    # The services host was discovered once, by the first test; the second reads at once.
    statuses = [(entry.path.rsplit("/", 1)[-1], entry.status)
                for entry in sandbox.app.log.filter(vendor="dayforce", method="GET")]
    assert statuses == [("ClientMetadata", 200), ("Employees", 200), ("Employees", 401), ("Employees", 200)]


def test_it_honours_retry_after_on_an_injected_429(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")
    sandbox.app["dayforce"].faults.fail_next(1, status=429, headers={"Retry-After": "1"},
                                             body={"ProcessResults": [{"Code": "RATE_LIMIT_EXCEEDED",
                                                                       "Level": "ERROR", "Message": "Slow down."}]})
    waits = []

    message = client_for(connection, sandbox, waits).check_connection()

    assert "12 employees visible" in message
    assert waits == [1.0]


def test_it_waits_out_the_sandbox_rate_limit(make_sandbox_connection, sandbox, monkeypatch):
    # The services host is known, so each check is exactly one call.
    connection = make_sandbox_connection("dayforce")
    connection.config = {**connection.config, "service_uri": sandbox.url + "/dayforce/Api"}
    connection.save()
    # One call per second for the namespace, so the second check meets a real 429 from the limiter.
    # monkeypatch puts the limits back: the sandbox's reset() does not restore them.
    limiter = sandbox.app["dayforce"].limiter
    monkeypatch.setattr(limiter, "limit", 1)
    monkeypatch.setattr(limiter, "window", 1.0)
    waits = []
    client = client_for(connection, sandbox, waits)
    client.check_connection()

    message = client.check_connection()

    assert "12 employees visible" in message
    assert waits == [1.0]
    rate_limited = [e for e in sandbox.app.log.filter(vendor="dayforce", method="GET") if e.status == 429]
    assert len(rate_limited) == 1


def test_it_names_the_right_host_when_the_discovered_host_redirects(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")
    connection.config = {**connection.config, "service_uri": sandbox.url + "/dayforce/Api"}
    connection.save()
    sandbox.app["dayforce"].faults.fail_next(
        1, status=302, headers={"Location": "https://us241-services.dayforcehcm.com/Api/mlconnector/V1/Employees"},
        body="")

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Set the connection's base URL to https://us241-services.dayforcehcm.com/Api" in result.message


def test_it_reads_processresults_messages(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")
    response = process_results(400, "SYS_DESERIALIZATION_ERROR", "Bad date.", context="employee.BirthDate")
    sandbox.app["dayforce"].faults.fail_next(1, status=400, body=json.loads(response.get_data()))

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Dayforce answered 400: Bad date. (SYS_DESERIALIZATION_ERROR, employee.BirthDate)." in result.message
    assert DEMO_CREDENTIALS["password"] not in result.message
