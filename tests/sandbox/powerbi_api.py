"""A caller of the Power BI sandbox that checks every exchange against specs/powerbi/swagger.json: requests and
documented responses with openapi-core (the Swagger 2.0 file converted to OpenAPI 3.0), errors against the
spec's error detail shape in the envelope of docs/vendors/powerbi.md §6."""
from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import requests
from jsonschema import Draft4Validator
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.testing import MockRequest

from sandbox.core import SPECS_DIR
from sandbox.vendors.powerbi import DEMO_CREDENTIALS, POWER_BI_SCOPE, WORKSPACE_ID
from tests.support.swagger2 import openapi3

SWAGGER = SPECS_DIR / "powerbi" / "swagger.json"


@lru_cache(maxsize=1)
def swagger() -> dict:
    return json.loads(SWAGGER.read_text())


@lru_cache(maxsize=4)
def openapi_for(server_url: str) -> OpenAPI:
    spec = swagger()
    paths = [p for p in spec["paths"] if p.startswith(("/v1.0/myorg/groups/{groupId}/datasets", "/v1.0/myorg/datasets"))]
    # The spec file is Microsoft's, not ours to fix; validating the spec itself is skipped.
    return OpenAPI.from_dict(openapi3(spec, server_url + "/powerbi", paths), config=Config(spec_validator_cls=None))


def assert_error_envelope(body: dict, code: str | None = None) -> None:
    detail = Draft4Validator({"$ref": "#/definitions/PowerBIApiErrorResponseDetail",
                              "definitions": swagger()["definitions"]})
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str) and error["message"]
    for item in [{k: v for k, v in error.items() if k != "details"}, *error.get("details", [])]:
        assert not list(detail.iter_errors(item)), item
    if code:
        assert error["code"] == code, error


def token_for(sandbox_url: str, credentials: dict = DEMO_CREDENTIALS) -> str:
    response = requests.post(f"{sandbox_url}/powerbi-login/{credentials['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"], "scope": POWER_BI_SCOPE}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


SAMPLED_ROWS = 100


class PowerBIApi:
    def __init__(self, sandbox_url: str, token: str | None, group_id: str | None = WORKSPACE_ID):
        self.sandbox_url = sandbox_url
        self.token = token
        self.group_id = group_id
        self.checked = 0

    def path(self, rest: str = "") -> str:
        scope = f"/groups/{self.group_id}" if self.group_id else ""
        return f"/v1.0/myorg{scope}/datasets{rest}"

    def call(self, method: str, rest: str = "", **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.request(method, f"{self.sandbox_url}/powerbi{self.path(rest)}", headers=headers,
                                    timeout=30, **kwargs)
        self.check(response)
        return response

    def sampled(self, sent: requests.PreparedRequest) -> MockRequest:
        """A bulk POST rows request with only its first rows: the same shape (the spec types a row as any
        object), validated in milliseconds instead of seconds."""
        body = json.loads(sent.body)
        body["rows"] = body["rows"][:SAMPLED_ROWS]
        url = urlsplit(sent.url)
        return MockRequest(self.sandbox_url, sent.method.lower(), url.path, args=dict(parse_qsl(url.query)),
                           headers=dict(sent.headers), data=json.dumps(body), content_type="application/json")

    def check(self, response: requests.Response) -> None:
        openapi = openapi_for(self.sandbox_url)
        request = RequestsOpenAPIRequest(response.request)
        if len(response.request.body or b"") > 64 * 1024:
            request = self.sampled(response.request)
        if response.status_code == 401:
            assert response.content == b"" and "WWW-Authenticate" in response.headers
        elif response.status_code >= 400:
            assert_error_envelope(response.json())
        else:
            openapi.validate_request(request)
            openapi.validate_response(request, RequestsOpenAPIResponse(response))
        assert response.headers["RequestId"]
        self.checked += 1
