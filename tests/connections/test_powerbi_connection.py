"""Power BI connection test over real HTTP against the sandbox (docs/vendors/powerbi.md §1, §3, §5, §6)."""
import pytest

from connections.models import Connection
from connections.services import connection_test
from connections.vendors import get_vendor
from connections.vendors.errors import VendorConfigurationError
from sandbox.vendors.powerbi import BLOCKED_CREDENTIALS, DEMO_CREDENTIALS, RESTRICTED_CREDENTIALS, WORKSPACE_ID


def api_calls(sandbox):
    return [(e.method, e.status) for e in sandbox.app.log.filter(vendor="powerbi", path_contains="/v1.0/myorg/")]


def token_calls(sandbox):
    return sandbox.app.log.filter(vendor="powerbi", path_contains="/oauth2/v2.0/token")


def test_it_reports_success_against_the_sandbox(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi")

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert f"workspace {WORKSPACE_ID}" in result.message
    assert "3 datasets visible, 2 of them push datasets" in result.message
    assert connection.status == Connection.Status.OK
    # The token request is the Entra client-credentials grant, tenant in the path (docs/vendors/powerbi.md §1).
    [token_request] = token_calls(sandbox)
    assert token_request.path.endswith(f"/{DEMO_CREDENTIALS['tenant_id']}/oauth2/v2.0/token")
    assert token_request.body["grant_type"] == "client_credentials"
    assert token_request.body["scope"] == "https://analysis.windows.net/powerbi/api/.default"
    assert api_calls(sandbox) == [("GET", 200)]


def test_it_explains_a_wrong_secret(make_sandbox_connection):
    connection = make_sandbox_connection("powerbi")
    connection.credentials = {**connection.credentials, "client_secret": "wrong-secret-value"}
    connection.save()

    result = connection_test(connection=connection)

    assert not result.ok
    assert "refused to issue a token" in result.message
    assert "invalid_client: AADSTS7000215" in result.message
    assert "not its Secret ID" in result.message
    assert "Trace ID" not in result.message
    assert "wrong-secret-value" not in result.message
    assert connection.status == Connection.Status.FAILED


def test_it_explains_a_service_principal_missing_from_the_workspace(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi", credentials=dict(RESTRICTED_CREDENTIALS))

    result = connection_test(connection=connection)

    assert not result.ok
    assert f"may not read workspace {WORKSPACE_ID}" in result.message
    assert "Add the service principal (the app registration) to the workspace with the Member or Admin role" in result.message
    assert "'Service principals can use Power BI APIs'" in result.message
    # 403 is permanent: asked once, never retried.
    assert api_calls(sandbox) == [("GET", 403)]


def test_it_explains_a_service_principal_blocked_by_the_tenant_setting(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi", credentials=dict(BLOCKED_CREDENTIALS))

    result = connection_test(connection=connection)

    assert not result.ok
    assert "issued a token but refuses it" in result.message
    assert "enable 'Service principals can use Power BI APIs'" in result.message
    # One re-authentication on 401, then give up.
    assert api_calls(sandbox) == [("GET", 401), ("GET", 401)]
    assert len(token_calls(sandbox)) == 2


def test_it_rejects_a_workspace_id_that_is_not_a_guid_without_calling(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi", config={"group_id": "me"})

    result = connection_test(connection=connection)

    assert not result.ok
    assert "is not a GUID" in result.message
    assert sandbox.app.log.filter(vendor="powerbi") == []


def test_it_renews_an_expired_token_transparently(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi")
    assert connection_test(connection=connection).ok
    # The cached token still looks fresh to the client, but the sandbox has moved past its expiry.
    sandbox.app.clock.advance(3600)

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert len(token_calls(sandbox)) == 2
    assert api_calls(sandbox) == [("GET", 200), ("GET", 401), ("GET", 200)]


def test_it_renews_a_token_refused_with_403_token_expired(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi")
    sandbox.app["powerbi"].faults.fail_next(1, status=403, body={"error": {
        "code": "TokenExpired", "message": "Access token has expired, resubmit with a new access token"}})

    result = connection_test(connection=connection)

    assert result.ok, result.message
    assert len(token_calls(sandbox)) == 2
    assert api_calls(sandbox) == [("GET", 403), ("GET", 200)]


def test_it_honours_retry_after_on_429(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi")
    sandbox.app["powerbi"].faults.fail_next(1, status=429, headers={"Retry-After": "1"}, body={"error": {
        "code": "TooManyRequests", "message": "Too many requests. Retry in 1 seconds."}})
    waits = []
    client = get_vendor("powerbi").client_for(connection, sleep=waits.append)

    message = client.check_connection()

    assert "3 datasets visible" in message
    assert waits == [1.0]
    assert api_calls(sandbox) == [("GET", 429), ("GET", 200)]


def test_it_hands_a_long_rate_limit_wait_to_the_caller(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("powerbi")
    sandbox.app["powerbi"].limiter.limit = 1
    assert connection_test(connection=connection).ok

    result = connection_test(connection=connection)

    assert not result.ok
    assert "Power BI answered 429: TooManyRequests" in result.message
    assert "waits as asked" in result.message


def test_it_needs_a_workspace_id(make_sandbox_connection):
    connection = make_sandbox_connection("powerbi", config={"group_id": ""})
    client = get_vendor("powerbi").client_for(connection)

    with pytest.raises(VendorConfigurationError, match="no workspace ID"):
        client.check_connection()
