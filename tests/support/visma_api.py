"""Talking to the Visma sandbox over HTTP in tests, the way a client would, and checking its answers against the
2016 swagger's definitions (tests/sandbox/test_visma_shapes.py says which, and why)."""
import json

import pytest
import requests
from jsonschema import Draft4Validator

from sandbox.core import SPECS_DIR
from sandbox.vendors.visma import DEMO_CREDENTIALS

SPECS = SPECS_DIR / "visma"
SWAGGER = SPECS / "swagger-2016-integration.visma.net.json"

# docs/vendors/visma.md §4 "Response shapes", field names exact: what an employee may carry.
EMPLOYEE_FIELDS = {"employeeUserId", "employeeId", "employeeNumber", "employeeName", "status", "department", "contact",
                   "address", "lastModifiedDateTime", "employeeClass", "branch", "calendarID", "employeeLogin",
                   "workGroupDescription", "timeStamp", "errorInfo", "metadata"}


@pytest.fixture(scope="module")
def swagger():
    return json.loads(SWAGGER.read_text())


def validator(swagger, definition: str) -> Draft4Validator:
    # Swagger 2.0 schemas are a JSON Schema draft 4 subset; carrying the definitions resolves every $ref.
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": swagger["definitions"]})


def assert_valid(swagger, definition: str, body) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(swagger, definition).iter_errors(body)]
    assert not errors, errors


def declared(swagger, definition: str) -> set[str]:
    return set(swagger["definitions"][definition]["properties"])


@pytest.fixture
def visma(sandbox):
    return sandbox.app["visma"]


class Api:
    """Plain HTTP against the sandbox, as any Visma client would talk to it."""

    def __init__(self, sandbox, company_id: str | None = None):
        self.base = f"{sandbox.url}/visma/"
        response = requests.post(f"{sandbox.url}/visma-connect/connect/token", data={
            "grant_type": "client_credentials", **DEMO_CREDENTIALS,
            "scope": "vismanet_erp_service_api:read vismanet_erp_service_api:create"}, timeout=5)
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}", "Accept": "application/json"}
        if company_id:
            self.headers["ipp-company-id"] = company_id

    def get(self, path, **params):
        return requests.get(self.base + path, params=params, headers=self.headers, timeout=10)

    def post(self, path, body):
        return requests.post(self.base + path, json=body, headers=self.headers, timeout=10)

    def put(self, path, body, if_match=None):
        headers = {**self.headers, **({"If-Match": if_match} if if_match else {})}
        return requests.put(self.base + path, json=body, headers=headers, timeout=10)


@pytest.fixture
def api(sandbox):
    return Api(sandbox)


def assert_ipp_exception(response, status: int, code: str | None = None, says: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ExceptionType", "ExceptionMessage", "ExceptionFaultCode", "ExceptionMessageID",
                         "ExceptionDetails"}
    assert body["ExceptionType"] == "IPPException"
    assert body["ExceptionMessageID"].startswith(body["ExceptionFaultCode"] + "_")
    if code:
        assert body["ExceptionFaultCode"] == code
    assert says in body["ExceptionMessage"], body["ExceptionMessage"]
    return body


def new_employee(**overrides) -> dict:
    """An EmployeeCreateDTO body, value-wrapped (docs/vendors/visma.md §4 Writes)."""
    body = {"employeeCd": {"value": "5001"}, "department": {"value": "IT"}, "employeeClass": {"value": "EMPSAL"},
            "branch": {"value": "1"}, "calendar": {"value": "MAIN"}, "status": {"value": "Active"},
            "contact": {"firstName": {"value": "Mari"}, "lastName": {"value": "Solheim"},
                        "email": {"value": "mari.solheim@example.no"}},
            "address": {"addressLine1": {"value": "Storgata 1"}, "postalCode": {"value": "0150"},
                        "city": {"value": "Oslo"}, "countryId": {"value": "NO"}}}
    body.update(overrides)
    return body
