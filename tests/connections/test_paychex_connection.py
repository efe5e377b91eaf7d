"""Paychex connection test, over real HTTP against the Paychex sandbox."""
from connections.models import Connection
from connections.services import connection_test
from sandbox.vendors.paychex import (
    DEMO_COMPANY_ID,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    UNLINKED_COMPANY_ID,
    error_body,
)

COMPANY_PATH = f"/paychex/companies/{DEMO_COMPANY_ID}"


def api_calls(sandbox, path):
    return [e for e in sandbox.app.log.filter(vendor="paychex", method="GET") if e.path == path]


def test_it_reports_the_configured_company(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("paychex")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert result.message == ("Connected to Paychex company SAMPLE CLIENT "
                              f"(client number 62725201, companyId {DEMO_COMPANY_ID}).")
    assert connection.status == Connection.Status.OK
    assert connection.last_tested_at is not None


def test_it_authenticates_and_reads_the_way_paychex_expects(make_sandbox_connection, sandbox):
    connection_test(connection=make_sandbox_connection("paychex"))

    [token_call] = sandbox.app.log.filter(vendor="paychex", method="POST")
    assert token_call.path == "/paychex/auth/oauth/v2/token"  # on the API host (docs/vendors/paychex.md §2)
    assert token_call.query == {}  # credentials in the form body, never the query string
    assert token_call.body == {"grant_type": "client_credentials",
                               "client_id": "mlconnector-sandbox-api-key", "client_secret": "***"}
    [read] = api_calls(sandbox, COMPANY_PATH)
    assert read.headers["Accept"] == "application/vnd.paychex.company.v1+json"
    assert read.headers["Authorization"] == "***"  # a bearer token was sent (the log masks it)
    assert read.headers["X-Payx-Client-Correlationid"]
    assert read.status == 200


def test_it_lists_linked_companies_when_no_company_is_set(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("paychex", config={})

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert result.message == (
        "Connected to Paychex: the application can read 2 companies: SAMPLE CLIENT (WWEMHMFU), "
        "SAMPLE CLIENT 2 (RPELHMDU). 1 more without active payroll products cannot be read: "
        "DORMANT CLIENT LLC (00H2A1IUJXXCQWJ2GHGH).")
    [read] = api_calls(sandbox, "/paychex/companies")
    assert read.headers["Accept"] == "application/vnd.paychex.companies.v1+json"


def test_it_explains_a_wrong_secret(make_sandbox_connection):
    connection = make_sandbox_connection("paychex")
    connection.credentials = {**connection.credentials, "client_secret": "wrong-secret-value"}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Paychex refused to issue a token" in result.message
    assert "API-102" in result.message
    assert "Check the API key and secret" in result.message
    assert "wrong-secret-value" not in result.message
    assert connection.status == Connection.Status.FAILED
    assert connection.last_error == result.message


def test_it_explains_an_application_no_company_has_linked(make_sandbox_connection):
    connection = make_sandbox_connection("paychex", credentials=dict(RESTRICTED_CREDENTIALS), config={})

    result = connection_test(connection=connection)

    assert not result.ok
    assert result.message == (
        "Paychex says this application is not authorized to read companies (API-2): no company has given it "
        "access. Ask the company's Paychex administrator to grant the application access.")
    assert RESTRICTED_CREDENTIALS["client_secret"] not in result.message


def test_it_explains_a_company_that_has_not_linked_the_application(make_sandbox_connection):
    connection = make_sandbox_connection("paychex", config={"company_id": UNLINKED_COMPANY_ID})

    result = connection_test(connection=connection)

    assert not result.ok
    assert f"not authorized to access company {UNLINKED_COMPANY_ID} (API-2)" in result.message
    assert "Ask the company's Paychex administrator to grant the application access" in result.message


def test_it_explains_a_client_number_entered_as_company_id(make_sandbox_connection):
    connection = make_sandbox_connection("paychex", config={"company_id": "62725201"})

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Paychex has no company '62725201'" in result.message
    assert "not the 8-digit client number" in result.message


def test_it_explains_an_end_dated_client(make_sandbox_connection, sandbox):
    sandbox.app["paychex"].faults.fail_next(
        1, status=403, body=error_body("API-68", "The client has been end dated."))

    result = connection_test(connection=make_sandbox_connection("paychex"))

    assert not result.ok
    assert result.message.startswith(f"Paychex says company {DEMO_COMPANY_ID} has been end-dated (API-68)")


def test_it_renews_an_expired_token_transparently(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("paychex")
    assert connection_test(connection=connection).ok
    # The sandbox's clock passes the 60-minute lifetime; the client's cached token still looks
    # valid to it, so Paychex's 401 API-103 is what makes it fetch a new one.
    sandbox.app.clock.advance(3601)

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert len(sandbox.app.log.filter(vendor="paychex", method="POST")) == 2
    assert [e.status for e in api_calls(sandbox, COMPANY_PATH)] == [200, 401, 200]


def test_it_waits_as_long_as_retry_after_says(make_sandbox_connection, sandbox):
    sandbox.app["paychex"].faults.fail_next(
        1, status=429, headers={"Retry-After": "1"}, body=UNCONFIRMED["rate_limit_body"])

    result = connection_test(connection=make_sandbox_connection("paychex"))

    assert result.ok, result.message
    throttled, retried = api_calls(sandbox, COMPANY_PATH)
    assert (throttled.status, retried.status) == (429, 200)
    assert retried.at - throttled.at >= 0.95


def test_it_hands_a_long_rate_limit_wait_to_the_caller(make_sandbox_connection, sandbox):
    sandbox.app["paychex"].limiter.limit = 1  # the window is a minute: far past the client's inline wait
    connection = make_sandbox_connection("paychex")
    assert connection_test(connection=connection).ok

    result = connection_test(connection=connection)

    assert not result.ok
    assert result.message.startswith("Paychex answered 429")
    assert "the sync waits as asked and continues" in result.message
    assert [e.status for e in api_calls(sandbox, COMPANY_PATH)] == [200, 429]
