"""The Paychex sandbox answers as the vendor's OpenAPI document (specs/paychex) says.

The SPEC's schemas declare no `required` and no `additionalProperties: false`, so they are
closed here (refs inlined, unknown properties refused) to catch a misspelt field. Its 200
schemas describe the company itself; the `{metadata, content, links}` envelope around it is
its CollectionResource (docs/vendors/paychex.md §3), and error bodies are `{"errors": [ErrorResource]}`.
"""
import json

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from sandbox.core import SPECS_DIR
from sandbox.vendors.paychex import (
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    INACTIVE_COMPANY_ID,
    RESTRICTED_CREDENTIALS,
    UNCONFIRMED,
    UNLINKED_COMPANY_ID,
)

SPECS = SPECS_DIR
PAYCHEX_SPECS = SPECS / "paychex"
COMPANIES_TYPE = "application/vnd.paychex.companies.v1+json"
COMPANY_TYPE = "application/vnd.paychex.company.v1+json"


@pytest.fixture(scope="module")
def spec():
    path = PAYCHEX_SPECS / "openapi.json"
    return json.loads(path.read_text())


def sample(name):
    return json.loads((PAYCHEX_SPECS / "samples" / name).read_text())


def closed(spec, schema, depth=0):
    """`schema` with every $ref inlined and unknown properties refused."""
    assert depth < 20, "recursive schema"
    if "$ref" in schema:
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return closed(spec, node, depth + 1)
    result = dict(schema)
    if "properties" in schema:
        result["properties"] = {name: closed(spec, sub, depth + 1) for name, sub in schema["properties"].items()}
        result["additionalProperties"] = False
    if "items" in schema:
        result["items"] = closed(spec, schema["items"], depth + 1)
    return result


def component(spec, name):
    return closed(spec, {"$ref": f"#/components/schemas/{name}"})


def assert_valid(schema, body):
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
                for e in OAS30Validator(schema).iter_errors(body)]
    assert not problems, "\n".join(problems)


def error_envelope(item_schema):
    return {"type": "object", "required": ["errors"], "additionalProperties": False,
            "properties": {"errors": {"type": "array", "minItems": 1, "items": item_schema}}}


def assert_matches_operation(spec, path, response, *, method="get", same_as_example=False):
    """The response is one the SPEC declares for this operation, in status, media type and body."""
    declared = spec["paths"][path][method]["responses"].get(str(response.status_code))
    assert declared, f"{method.upper()} {path} declares no {response.status_code} response"
    media_type = response.headers["Content-Type"].split(";")[0].strip()
    assert media_type in declared["content"], f"{media_type} is not a declared media type"
    content = declared["content"][media_type]
    schema = closed(spec, content["schema"])
    body = response.json()
    if response.status_code < 400:
        envelope = component(spec, "CollectionResource")
        envelope["properties"]["content"]["items"] = schema
        assert_valid(envelope, body)
    else:
        assert_valid(error_envelope(schema), body)
        if same_as_example:
            assert body == content["example"]
    assert response.headers.get("X-payx-txid")  # Paychex's transaction id (docs/vendors/paychex.md §1)
    return body


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
