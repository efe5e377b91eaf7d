import time

import pytest

from connections.models import Connection
from connections.services import connection_test, connection_update
from connections.vendors import get_vendor
from connections.vendors.errors import VendorRateLimited, VendorRejected
from connections.vendors.monday.client import graphql_errors, retry_in_seconds
from connections.vendors.monday.documents import CHECK as CHECK_QUERY
from sandbox.vendors.monday import DEMO_TOKEN, RESTRICTED_TOKEN, UNCONFIRMED


def monday_requests(sandbox):
    return sandbox.app.log.filter(vendor="monday")


def test_it_reports_success_against_the_sandbox(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("monday")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert result.message == "Connected to monday.com account Northwind Demo (id 9100001) as Ada Admin (user 51000001)."
    assert connection.status == Connection.Status.OK
    [sent] = monday_requests(sandbox)
    assert (sent.method, sent.path, sent.body) == ("POST", "/monday/v2", {"query": CHECK_QUERY})
    assert sent.headers["Api-Version"] == "2026-10"


def test_it_explains_a_wrong_token_without_repeating_it(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("monday", credentials={"api_token": "wrong-token-6fd1c2"})

    result = connection_test(connection=connection)

    assert not result.ok
    assert "monday.com answered 401: Not Authenticated" in result.message
    assert "My access tokens" in result.message
    assert "wrong-token-6fd1c2" not in result.message
    assert connection.status == Connection.Status.FAILED
    # A static token has nothing to renew: one call, then the user is told; never a retry loop.
    assert [e.status for e in monday_requests(sandbox)] == [401]


def test_it_explains_a_user_without_api_access(make_sandbox_connection):
    connection = make_sandbox_connection("monday", credentials={"api_token": RESTRICTED_TOKEN})

    result = connection_test(connection=connection)

    assert not result.ok
    assert result.message.startswith("monday.com accepts the API token but says its user is not authorized to use "
                                     "the API (User unauthorized to perform action).")
    assert "member or admin who may use the API" in result.message


def test_it_uses_a_regenerated_token_as_soon_as_it_is_entered(make_sandbox_connection, sandbox):
    # monday tokens are static (docs/vendors/monday.md §1): nothing to renew, so the client sends whatever the
    # connection holds now. After "Regenerate" the old token fails with advice, the new one works at once.
    connection = make_sandbox_connection("monday")
    assert connection_test(connection=connection).ok
    new_token = sandbox.app["monday"].regenerate_token(DEMO_TOKEN)

    failed = connection_test(connection=connection)
    connection_update(connection=connection, credentials={"api_token": new_token})
    renewed = connection_test(connection=connection)

    assert not failed.ok and "regenerating the token there invalidates the old one" in failed.message
    assert renewed.ok, renewed.message
    assert connection.status == Connection.Status.OK


def test_it_keeps_working_as_time_passes_and_explains_a_token_that_died(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("monday")
    sandbox.app.clock.advance(3 * 86400)
    assert connection_test(connection=connection).ok

    sandbox.app.clock.advance(UNCONFIRMED["personal_token_lifetime"])
    result = connection_test(connection=connection)

    assert not result.ok and "does not accept the API token" in result.message


def test_it_honours_retry_after_on_429(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("monday")
    minute_limit = {"message": "Minute limit rate exceeded",
                    "extensions": {"code": "RATE_LIMIT_EXCEEDED", "retry_in_seconds": 1}}
    sandbox.app["monday"].faults.fail_next(1, status=429, headers={"Retry-After": "1"}, body={"errors": [minute_limit]})

    started = time.monotonic()
    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert time.monotonic() - started >= 0.9
    assert [e.status for e in monday_requests(sandbox)] == [429, 200]


def test_it_waits_retry_in_seconds_from_a_rate_limit_error_in_a_200_body(make_sandbox_connection, sandbox):
    # Versions before 2025-07 report an exhausted budget inside a 200 (docs/vendors/monday.md §6);
    # the wait is in the body.
    connection = make_sandbox_connection("monday")
    waits = []
    client = get_vendor("monday").client_for(connection, sleep=waits.append)
    sandbox.app["monday"].faults.fail_next(1, status=200, body={"errors": [
        {"message": "Complexity budget exhausted",
         "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 7}}]})

    message = client.check_connection()

    assert message.startswith("Connected to monday.com account Northwind Demo")
    assert waits == [7.0]


def test_it_hands_a_long_complexity_wait_up_to_the_caller(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("monday")
    sandbox.app["monday"].complexity.limit = 3  # the check query costs more than that
    waits = []
    client = get_vendor("monday").client_for(connection, sleep=waits.append)

    with pytest.raises(VendorRateLimited) as raised:
        client.check_connection()

    assert raised.value.retry_after == 60
    assert "Complexity budget exhausted (COMPLEXITY_BUDGET_EXHAUSTED)" in str(raised.value)
    assert waits == []  # 60 s is longer than the client may sleep inline: Celery waits instead


def test_it_reports_an_invalid_query_as_rejected(make_sandbox_connection):
    client = get_vendor("monday").client_for(make_sandbox_connection("monday"))

    with pytest.raises(VendorRejected) as raised:
        client.graphql("query Nope { me { nope } }")

    assert "Cannot query field 'nope' on type 'User'" in str(raised.value)


def test_it_reads_boards_with_their_columns(make_sandbox_connection):
    client = get_vendor("monday").client_for(make_sandbox_connection("monday"))

    [board] = client.boards_with_columns(["1800000002"])

    assert board["name"] == "Onboarding"
    assert [(c["id"], c["type"]) for c in board["columns"]] == [
        ("name", "name"), ("person", "people"), ("status", "status"), ("timeline", "timeline")]


def test_it_understands_the_legacy_error_body():
    body = {"error_code": "ComplexityException", "status_code": 429, "error_data": {}, "account_id": 1,
            "error_message": "Complexity budget exhausted, query cost 30001 budget remaining 19986 out of 1000000 "
                             "reset in 3 seconds", "errors": ["Complexity budget exhausted"]}
    field_limit = {"error_code": "FIELD_LIMIT_EXCEEDED", "error_message": "Concurrency limit exceeded for the field",
                   "error_data": {"retry_in_seconds": 15, "entity": "boards"}, "status_code": 429}

    [error] = graphql_errors(body)

    assert error["extensions"]["code"] == "ComplexityException"
    assert retry_in_seconds(error) == 3.0
    assert retry_in_seconds(graphql_errors(field_limit)[0]) == 15.0
