"""The Dayforce sandbox answers as the official openapi.yaml (and docs/vendors/dayforce.md where the spec is
silent) says.

Requests the spec documents for the operation are validated with openapi-core, request and response,
as if they had been sent to the spec's own server. Statuses the spec documents only on other operations
(401, 403) and the undocumented 429 are validated against the shapes the spec uses for them elsewhere.
"""
from urllib.parse import urlsplit

import pytest
import requests
from openapi_core.testing import MockRequest, MockResponse

from sandbox.vendors.dayforce import DEMO_CREDENTIALS, DEMO_NAMESPACE, RESTRICTED_USERNAME
from tests.support.dayforce import get, token_for
from tests.support.dayforce_openapi import assert_matches_schema
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)
from tests.support.dayforce_openapi import openapi as load_openapi
from tests.support.dayforce_openapi import spec as load_spec

EMPLOYEES = f"/{DEMO_NAMESPACE}/V1/Employees"


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.fixture(scope="module")
def openapi():
    return load_openapi()


def assert_matches_operation(openapi, spec, path, response, **params):
    """Validate the request too, as if sent to the spec's server (`https://…/Api`)."""
    server = urlsplit(spec["servers"][0]["url"])
    request = MockRequest(f"{server.scheme}://{server.netloc}", "get", server.path + path, args=params)
    openapi.validate_request(request)
    content_type = response.headers["Content-Type"].split(";")[0]
    openapi.validate_response(request, MockResponse(response.content, status_code=response.status_code,
                                                    content_type=content_type))


def documented_elsewhere(spec, status: str) -> tuple[str, dict]:
    """The description and JSON schema the spec gives a status on the operations that document it."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            documented = operation.get("responses", {}).get(status) if isinstance(operation, dict) else None
            schema = (documented or {}).get("content", {}).get("application/json", {}).get("schema")
            if schema and "$ref" in schema:
                return documented["description"], schema
    raise AssertionError(f"the spec documents no JSON body for status {status}")


# --- token endpoint (not in openapi.yaml; docs/vendors/dayforce.md §2) ------------------------------------------

def test_it_issues_one_hour_bearer_tokens_without_a_refresh_token(sandbox):
    response = requests.post(sandbox.url + "/dayforce-auth/connect/token", data={
        # One public client sends the fields capitalised; the sandbox accepts both spellings.
        "grant_type": "password", "CompanyId": DEMO_NAMESPACE, "Username": DEMO_CREDENTIALS["username"],
        "Password": DEMO_CREDENTIALS["password"], "Client_Id": "Dayforce.HCMAnywhere.Client",
    }, timeout=5)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"


@pytest.mark.parametrize("change, error", [
    ({"password": "wrong"}, "invalid_grant"),
    ({"companyId": "othercompany"}, "invalid_grant"),
    ({"client_id": "SomeOther.Client"}, "invalid_client"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
])
def test_it_refuses_bad_token_requests_oauth_style(sandbox, change, error):
    form = {"grant_type": "password", "companyId": DEMO_NAMESPACE, "username": DEMO_CREDENTIALS["username"],
            "password": DEMO_CREDENTIALS["password"], "client_id": "Dayforce.HCMAnywhere.Client", **change}

    response = requests.post(sandbox.url + "/dayforce-auth/connect/token", data=form, timeout=5)

    assert response.status_code == 400
    assert response.json() == {"error": error}


# --- GET /{ns}/V1/Employees (openapi.yaml operation) -------------------------------------------

def test_it_lists_employee_xrefcodes_as_the_spec_says(sandbox, spec, openapi):
    response = get(sandbox, EMPLOYEES, token_for(sandbox))

    assert response.status_code == 200
    assert_matches_operation(openapi, spec, EMPLOYEES, response)
    data = response.json()["Data"]
    assert len(data) == 12 and all(set(row) == {"XRefCode"} for row in data)
    assert "Paging" not in response.json()  # not paginated (docs/vendors/dayforce.md §4.1)


def test_it_routes_api_and_version_segments_case_insensitively(sandbox):
    response = get(sandbox, f"/api/{DEMO_NAMESPACE}/v1/employees", token_for(sandbox))

    assert response.status_code == 200
    assert len(response.json()["Data"]) == 12


def test_it_accepts_http_basic_on_rest_calls(sandbox):
    response = requests.get(sandbox.url + "/dayforce" + EMPLOYEES, timeout=5,
                            auth=(DEMO_CREDENTIALS["username"], DEMO_CREDENTIALS["password"]))

    assert response.status_code == 200


def test_it_searches_the_updated_window(sandbox, spec, openapi):
    window = {"filterUpdatedStartDate": "2026-01-05T00:00:00Z", "filterUpdatedEndDate": "2026-01-07T23:59:59Z"}

    response = get(sandbox, EMPLOYEES, token_for(sandbox), **window)

    assert response.status_code == 200
    assert_matches_operation(openapi, spec, EMPLOYEES, response, **window)
    assert [row["XRefCode"] for row in response.json()["Data"]] == ["42100", "42101", "42102"]


def test_it_refuses_half_an_updated_window(sandbox, spec, openapi):
    response = get(sandbox, EMPLOYEES, token_for(sandbox), filterUpdatedStartDate="2026-01-05T00:00:00Z")

    assert response.status_code == 400
    assert_matches_operation(openapi, spec, EMPLOYEES, response, filterUpdatedStartDate="2026-01-05T00:00:00Z")
    result, = response.json()["ProcessResults"]
    assert result["Level"] == "ERROR" and result["Context"] == "filterUpdatedEndDate"


# --- errors the spec documents on other operations, and the 429 ----------------------------

def test_it_answers_401_to_an_expired_token(sandbox, spec):
    token = token_for(sandbox)
    sandbox.app.clock.advance(3601)

    response = get(sandbox, EMPLOYEES, token)

    assert response.status_code == 401
    description, schema = documented_elsewhere(spec, "401")
    assert_matches_schema(schema, response.json())
    assert response.json()["ProcessResults"][0]["Message"] == description


def test_it_answers_403_to_a_user_without_hcm_anywhere(sandbox, spec):
    response = get(sandbox, EMPLOYEES, token_for(sandbox, RESTRICTED_USERNAME))

    assert response.status_code == 403
    description, schema = documented_elsewhere(spec, "403")
    assert_matches_schema(schema, response.json())
    assert response.json()["ProcessResults"][0]["Message"] == description


def test_it_rate_limits_per_namespace_with_retry_after(sandbox, spec, monkeypatch):
    monkeypatch.setattr(sandbox.app["dayforce"].limiter, "limit", 2)
    token = token_for(sandbox)
    statuses = [get(sandbox, EMPLOYEES, token).status_code for _ in range(2)]
    # A second user of the same namespace shares the client's limit (docs/vendors/dayforce.md §6).
    response = requests.get(sandbox.url + "/dayforce" + EMPLOYEES, timeout=5,
                            auth=(DEMO_CREDENTIALS["username"], DEMO_CREDENTIALS["password"]))

    assert statuses == [200, 200]
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # The 429 body is undocumented; docs/vendors/dayforce.md §6 has it be the spec's generic ProcessResults payload.
    assert_matches_schema({"$ref": "#/components/schemas/Payload_Object"}, response.json())
