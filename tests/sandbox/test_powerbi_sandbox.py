"""The Power BI sandbox's responses checked against the official swagger.json (Swagger 2.0) and
docs/vendors/powerbi.md."""
import json

import pytest
import requests
from jsonschema import Draft4Validator

from connections.vendors.powerbi.client import datasets_path
from sandbox.core import SPECS_DIR
from sandbox.vendors.powerbi import DEMO_CREDENTIALS, POWER_BI_SCOPE, RESTRICTED_CREDENTIALS, WORKSPACE_ID

SPECS = SPECS_DIR
SWAGGER = SPECS / "powerbi" / "swagger.json"


@pytest.fixture(scope="module")
def swagger():
    return json.loads(SWAGGER.read_text())


def schema_validator(swagger, schema: dict) -> Draft4Validator:
    # Swagger 2.0 schemas are a JSON Schema draft 4 subset; carrying the definitions resolves every $ref.
    return Draft4Validator({**schema, "definitions": swagger["definitions"]})


def response_validator(swagger, operation_id: str, status: str) -> Draft4Validator:
    for path, methods in swagger["paths"].items():
        for operation in methods.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return schema_validator(swagger, operation["responses"][status]["schema"])
    raise AssertionError(f"{operation_id} is not in the spec")


def declared_properties(swagger, name: str) -> set[str]:
    """Every property a definition declares, through allOf and $ref."""
    definition = swagger["definitions"][name]
    names = set(definition.get("properties", {}))
    for part in definition.get("allOf", []):
        if "$ref" in part:
            names |= declared_properties(swagger, part["$ref"].rsplit("/", 1)[-1])
        names |= set(part.get("properties", {}))
    return names


def assert_valid(validator: Draft4Validator, body) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


def assert_error_envelope(swagger, body: dict, code: str | None = None) -> None:
    """{"error": {"code", "message", "details": [PowerBIApiErrorResponseDetail]}} (docs/vendors/powerbi.md §6)."""
    detail = schema_validator(swagger, {"$ref": "#/definitions/PowerBIApiErrorResponseDetail"})
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str) and error["message"]
    assert_valid(detail, {k: v for k, v in error.items() if k != "details"})
    for item in error.get("details", []):
        assert_valid(detail, item)
    if code:
        assert error["code"] == code


def token_url(sandbox, tenant=DEMO_CREDENTIALS["tenant_id"]):
    return f"{sandbox.url}/powerbi-login/{tenant}/oauth2/v2.0/token"


def get_token(sandbox, credentials=DEMO_CREDENTIALS) -> str:
    response = requests.post(token_url(sandbox, credentials["tenant_id"]), data={
        "grant_type": "client_credentials", "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"], "scope": POWER_BI_SCOPE}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get_datasets(sandbox, token: str | None, group_id: str = WORKSPACE_ID) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{sandbox.url}/powerbi/{datasets_path(group_id)}", headers=headers, timeout=5)


def test_it_serves_the_clients_path_as_in_the_spec(swagger):
    operation = swagger["paths"]["/" + datasets_path("{groupId}")]["get"]

    assert operation["operationId"] == "Datasets_GetDatasetsInGroup"
    assert swagger["host"] == "api.powerbi.com"


def test_it_validates_the_specs_own_example_and_rejects_a_broken_body(swagger):
    # Guards against a validator that accepts anything (an unresolved $ref would).
    validator = response_validator(swagger, "Datasets_GetDatasetsInGroup", "200")
    example = swagger["paths"]["/v1.0/myorg/groups/{groupId}/datasets"]["get"]["x-ms-examples"]["Example"]

    assert_valid(validator, example["responses"]["200"]["body"])
    assert list(validator.iter_errors({"value": [{"name": "no id"}]}))
    assert list(validator.iter_errors({"value": [{"id": "x", "addRowsAPIEnabled": "yes"}]}))


def test_it_lists_datasets_as_the_spec_says(swagger, sandbox):
    response = get_datasets(sandbox, get_token(sandbox))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["RequestId"]
    body = response.json()
    assert_valid(response_validator(swagger, "Datasets_GetDatasetsInGroup", "200"), body)
    assert body["@odata.context"].endswith(f"/v1.0/myorg/groups/{WORKSPACE_ID}/$metadata#datasets")
    assert [d["name"] for d in body["value"]] == ["SalesMarketing", "HR Headcount", "Finance Actuals"]
    # The schema allows extra properties, so also check every property is one the spec declares
    # (compared case-insensitively: wire casing is UNCONFIRMED, docs/vendors/powerbi.md §3).
    declared = {name.lower() for name in declared_properties(swagger, "Dataset")}
    for dataset in body["value"]:
        assert {key.lower() for key in dataset} <= declared, set(dataset) - declared


def test_it_issues_tokens_as_entra_does(sandbox):
    response = requests.post(token_url(sandbox), data={
        "grant_type": "client_credentials", "client_id": DEMO_CREDENTIALS["client_id"], "scope": POWER_BI_SCOPE,
    }, auth=(DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"]), timeout=5)  # Basic auth (§1)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["access_token"]
    assert "refresh_token" not in body


@pytest.mark.parametrize("change, status, error, code", [
    ({"scope": "https://graph.microsoft.com/.default"}, 400, "invalid_scope", 70011),
    ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
])
def test_it_refuses_bad_token_requests_with_aadsts_bodies(sandbox, change, status, error, code):
    form = {"grant_type": "client_credentials", "client_id": DEMO_CREDENTIALS["client_id"],
            "client_secret": DEMO_CREDENTIALS["client_secret"], "scope": POWER_BI_SCOPE, **change}

    response = requests.post(token_url(sandbox), data=form, timeout=5)

    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


def test_it_refuses_a_missing_or_expired_token_with_an_empty_401(sandbox):
    token = get_token(sandbox)
    sandbox.app.clock.advance(3600)

    for response in (get_datasets(sandbox, None), get_datasets(sandbox, token)):
        assert response.status_code == 401
        assert response.content == b""
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_it_refuses_a_principal_outside_the_workspace_with_403(swagger, sandbox):
    response = get_datasets(sandbox, get_token(sandbox, RESTRICTED_CREDENTIALS))

    assert response.status_code == 403
    assert_error_envelope(swagger, response.json(), "PowerBINotAuthorizedException")


def test_it_rate_limits_with_retry_after_and_the_error_envelope(swagger, sandbox):
    sandbox.app["powerbi"].limiter.limit = 1
    token = get_token(sandbox)
    assert get_datasets(sandbox, token).status_code == 200

    response = get_datasets(sandbox, token)

    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert_error_envelope(swagger, response.json(), "TooManyRequests")


def test_it_answers_unknown_paths_in_the_error_envelope(swagger, sandbox):
    response = requests.get(f"{sandbox.url}/powerbi/v1.0/myorg/groups/{WORKSPACE_ID}/nothing-here", timeout=5,
                            headers={"Authorization": f"Bearer {get_token(sandbox)}"})

    assert response.status_code == 404
    assert_error_envelope(swagger, response.json(), "ItemNotFound")


def test_it_restores_lifetimes_and_limits_on_reset(sandbox):
    vendor = sandbox.app["powerbi"]
    vendor.tokens.lifetime = 1
    vendor.limiter.limit = 1

    sandbox.app.reset()

    assert vendor.tokens.lifetime == 3599
    assert vendor.limiter.limit == 120
