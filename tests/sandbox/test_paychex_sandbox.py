"""The Paychex sandbox answers as the vendor's OpenAPI document (specs/paychex) says: token, companies, throttling.

Every answer a test here produces is validated against the SPEC and compared with the samples
(tests/sandbox/paychex_spec.py); the workers, reference lists and hooks have their own modules.
"""
import pytest
import requests

from sandbox.vendors.paychex import (
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    INACTIVE_COMPANY_ID,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    UNLINKED_COMPANY_ID,
)
from tests.sandbox.paychex_spec import (  # noqa: F401 (paychex_answers_valid, spec: fixtures)
    assert_matches_operation,
    assert_valid,
    closed,
    component,
    error_envelope,
    paychex_answers_valid,
    sample,
    spec,
)

pytestmark = pytest.mark.usefixtures("paychex_answers_valid")
COMPANIES_TYPE = "application/vnd.paychex.companies.v1+json"
COMPANY_TYPE = "application/vnd.paychex.company.v1+json"


def assert_paychex_error(spec, response, status, code):
    """An error the SPEC does not declare for the operation, in the vendor's error shape
    (docs/vendors/paychex.md §3)."""
    assert response.status_code == status, response.text
    assert_valid(error_envelope(component(spec, "ErrorResource")), response.json())
    assert response.json()["errors"][0]["code"] == code


def issue_token(sandbox, credentials=DEMO_CREDENTIALS):
    response = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token",
                             data={"grant_type": "client_credentials", **credentials}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get(sandbox, path, token=None, accept=COMPANIES_TYPE, method="GET"):
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{sandbox.url}/paychex{path}", headers=headers, timeout=5)


# --- token endpoint (docs/vendors/paychex.md §2) ---------------------------------------------------------------
def test_it_issues_tokens_as_the_spec_describes(sandbox, spec):
    response = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token",
                             data={"grant_type": "client_credentials", **DEMO_CREDENTIALS}, timeout=5)

    assert response.status_code == 200
    schema = closed(spec, spec["paths"]["/auth/oauth/v2/token"]["post"]["responses"]["200"]["content"]
                    ["application/json"]["schema"])
    # The SPEC types expires_in as a string; docs and samples send a number (docs/vendors/paychex.md §2).
    schema["properties"]["expires_in"] = {"type": "integer"}
    body = response.json()
    assert_valid(schema, body)
    assert body.keys() == sample("auth.json").keys()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "oob")


@pytest.mark.parametrize("send", [
    {"data": {"grant_type": "client_credentials", **DEMO_CREDENTIALS, "client_secret": "wrong"}},
    {"data": {"grant_type": "client_credentials", "client_id": DEMO_CREDENTIALS["client_id"]}},
    # Credentials count only in the body; an old doc page showed them in the query string.
    {"params": {"grant_type": "client_credentials", **DEMO_CREDENTIALS}},
], ids=["wrong-secret", "no-secret", "query-string"])
def test_it_refuses_bad_client_credentials_with_api_102(sandbox, spec, send):
    response = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token", timeout=5, **send)

    status, body = UNCONFIRMED["token_error"]
    assert_paychex_error(spec, response, status, "API-102")
    assert response.json() == body


def test_it_refuses_other_grant_types(sandbox, spec):
    response = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token",
                             data={"grant_type": "password", **DEMO_CREDENTIALS}, timeout=5)

    assert_paychex_error(spec, response, UNCONFIRMED["token_unsupported_grant"][0], "API-40")


# --- GET /companies (docs/vendors/paychex.md §4) ---------------------------------------------------------------
def test_it_lists_linked_companies_as_the_spec_describes(sandbox, spec):
    response = get(sandbox, "/companies", issue_token(sandbox))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == COMPANIES_TYPE  # the media type is echoed (docs/vendors/paychex.md §1)
    body = assert_matches_operation(spec, "/companies", response)
    assert body["metadata"] == {"contentItemCount": 3}
    assert [c["companyId"] for c in body["content"]] == ["WWEMHMFU", "RPELHMDU", INACTIVE_COMPANY_ID]
    assert [c["hasPermission"] for c in body["content"]] == [True, True, False]
    assert body["links"] == [{"rel": "self", "href": f"{sandbox.url}/paychex/companies"}]
    first = body["content"][0]
    assert set(sample("companies_companies.json")["content"][0]) | {"hasPermission"} == set(first)
    assert first["links"] == [
        {"rel": "self", "href": f"{sandbox.url}/paychex/companies/WWEMHMFU"},
        {"rel": "workers", "href": f"{sandbox.url}/paychex/companies/WWEMHMFU/workers"},
    ]


def test_it_serves_companies_as_plain_json_too(sandbox, spec):
    response = get(sandbox, "/companies", issue_token(sandbox), accept="application/json")

    assert response.headers["Content-Type"] == "application/json"
    assert_matches_operation(spec, "/companies", response)


def test_it_filters_companies_by_display_id(sandbox, spec):
    token = issue_token(sandbox)

    found = get(sandbox, "/companies?displayid=98771491", token)
    missing = get(sandbox, "/companies?displayid=00000000", token)

    assert [c["legalName"] for c in assert_matches_operation(spec, "/companies", found)["content"]] == [
        "SAMPLE CLIENT 2"]
    assert missing.status_code == 404
    assert_matches_operation(spec, "/companies", missing, same_as_example=True)


def test_it_refuses_companies_to_an_application_no_company_linked(sandbox, spec):
    response = get(sandbox, "/companies", issue_token(sandbox, RESTRICTED_CREDENTIALS))

    assert response.status_code == 403
    assert_matches_operation(spec, "/companies", response, same_as_example=True)
    assert response.json() == sample("companies_company_no_access.json")


def test_it_refuses_a_vendor_media_type_of_another_resource(sandbox, spec):
    response = get(sandbox, "/companies", issue_token(sandbox), accept="application/vnd.paychex.workers.v1+json")

    assert response.status_code == 406
    assert_matches_operation(spec, "/companies", response, same_as_example=True)


def test_it_refuses_a_missing_bearer_token(sandbox, spec):
    response = get(sandbox, "/companies")

    assert response.status_code == 401
    assert_matches_operation(spec, "/companies", response, same_as_example=True)


@pytest.mark.parametrize("expire", [
    lambda sandbox, token: sandbox.app.clock.advance(3601),
    lambda sandbox, token: sandbox.app["paychex"].tokens.revoke_all(),
], ids=["expired", "revoked"])
def test_it_refuses_an_expired_or_unknown_token_with_api_103(sandbox, spec, expire):
    token = issue_token(sandbox)
    expire(sandbox, token)

    response = get(sandbox, "/companies", token)

    assert response.status_code == 401
    assert_matches_operation(spec, "/companies", response)
    assert response.json()["errors"][0]["code"] == "API-103"


# --- GET /companies/{companyId} ------------------------------------------------------------
def test_it_serves_one_company_in_content_as_the_spec_describes(sandbox, spec):
    response = get(sandbox, f"/companies/{DEMO_COMPANY_ID}", issue_token(sandbox), accept=COMPANY_TYPE)

    assert response.headers["Content-Type"] == COMPANY_TYPE
    body = assert_matches_operation(spec, "/companies/{companyId}", response)
    assert body.keys() == sample("companies_company.json").keys()
    [company] = body["content"]
    assert (company["companyId"], company["displayId"], company["legalName"]) == (
        DEMO_COMPANY_ID, "62725201", "SAMPLE CLIENT")


@pytest.mark.parametrize("company_id, accept, method, status", [
    (UNLINKED_COMPANY_ID, COMPANY_TYPE, "GET", 403),  # samples/companies_company_no_access.json
    (INACTIVE_COMPANY_ID, COMPANY_TYPE, "GET", 403),  # UNCONFIRMED["inactive_company_status"]
    ("NOSUCHCOMPANY", COMPANY_TYPE, "GET", 404),  # samples/companies_invalid_company.json
    (DEMO_COMPANY_ID, COMPANIES_TYPE, "GET", 406),
    (DEMO_COMPANY_ID, COMPANY_TYPE, "DELETE", 405),
], ids=["unlinked", "inactive-payroll", "unknown", "wrong-media-type", "wrong-method"])
def test_it_answers_company_errors_as_the_spec_describes(sandbox, spec, company_id, accept, method, status):
    response = get(sandbox, f"/companies/{company_id}", issue_token(sandbox), accept=accept, method=method)

    assert response.status_code == status
    assert_matches_operation(spec, "/companies/{companyId}", response, same_as_example=True)


# --- throttling and resets (docs/vendors/paychex.md §7) ----------------------------------------------------------
def test_it_throttles_per_application_with_retry_after(sandbox, spec):
    sandbox.app["paychex"].limiter.limit = 1
    token = issue_token(sandbox)
    assert get(sandbox, "/companies", token).status_code == 200

    throttled = get(sandbox, "/companies", token)

    assert_paychex_error(spec, throttled, 429, UNCONFIRMED["rate_limit_body"]["errors"][0]["code"])
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    # Another application has its own window, and the token endpoint is not throttled.
    assert get(sandbox, "/companies", issue_token(sandbox, RESTRICTED_CREDENTIALS)).status_code == 403


def test_a_reset_restores_the_contract_values(sandbox):
    paychex = sandbox.app["paychex"]
    paychex.limiter.limit, paychex.limiter.window, paychex.tokens.lifetime = 1, 1.0, 5

    sandbox.app.reset()

    assert (paychex.limiter.limit, paychex.limiter.window, paychex.tokens.lifetime) == (
        UNCONFIRMED["rate_limit"], UNCONFIRMED["rate_window"], 3600)
