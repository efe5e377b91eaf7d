"""Every Dayforce sandbox answer a test provokes is checked against Dayforce's own openapi.yaml.

Import `dayforce_responses_validated` into a test module (it is autouse): it records each response the
Dayforce sandbox serves during the test and validates them all at teardown with openapi-core, as if
exchanged with the spec's server (`https://…/Api`). Where the spec is silent the contract's shapes are
checked instead: the token endpoint (not in the spec), 401/403/429 and injected 5xx (documented only on
other operations, or not at all: the generic `Payload_Object`), and the discovery host's 302 (a Location and no body).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.core import SPECS_DIR
from sandbox.vendors.dayforce.contract import API_PATH, RESTRICTED_FIELDS

SPEC_FILE = SPECS_DIR / "dayforce" / "openapi.yaml"
SPEC_URI = "urn:dayforce-openapi"
validated = {"responses": 0}  # a running count over the session, for the report


@lru_cache(maxsize=1)
def spec() -> dict:
    with SPEC_FILE.open() as handle:
        # The spec is 1.6 MB; the C loader reads it in about a second, the pure-Python one in many.
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    # The spec file is Dayforce's own swagger, not ours to fix; validating the spec itself is skipped.
    return OpenAPI.from_dict(spec(), config=Config(spec_validator_cls=None))


@dataclass
class Served:
    method: str
    path: str  # relative to the vendor prefix, with the sandbox's canonical casing
    args: dict
    status: int
    content_type: str
    headers: dict
    body: bytes


def without_restricted_nulls(value):
    """Field-level security sends hidden properties as null (DG-AUTHZ); the spec's schemas are not
    nullable, so a null in a restricted field is validated as an absent property."""
    if isinstance(value, dict):
        return {k: without_restricted_nulls(v) for k, v in value.items() if not (v is None and k in RESTRICTED_FIELDS)}
    if isinstance(value, list):
        return [without_restricted_nulls(v) for v in value]
    return value


def assert_matches_schema(schema: dict, body) -> None:
    registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT4))
    validator = OAS30Validator({"$ref": SPEC_URI + schema["$ref"]}, registry=registry)
    errors = [error.message for error in validator.iter_errors(body)]
    assert not errors, errors


def operation_statuses(path: str) -> set[str]:
    for template, operations in spec()["paths"].items():
        if _template_matches(template, path):
            return set(operations.get("get", {}).get("responses", {}))
    return set()


def _template_matches(template: str, path: str) -> bool:
    parts, wanted = template.split("/"), path.split("/")
    return len(parts) == len(wanted) and all(p.startswith("{") or p == w for p, w in zip(parts, wanted))


def assert_valid(served: Served) -> None:
    if served.path.endswith("/connect/token"):
        body = json.loads(served.body)
        if served.status == 200:
            assert set(body) == {"access_token", "expires_in", "token_type"}, body  # no refresh_token (§2)
            assert body["expires_in"] == 3600
        else:
            assert set(body) == {"error"}, body
        return
    if served.status == 302:
        assert served.headers.get("Location", "").startswith("http") and not served.body
        return
    match = API_PATH.match(served.path)
    assert match, f"the sandbox answered a path outside /{{ns}}/V1/: {served.path}"
    spec_path = "/{clientNamespace}/V1" + (match.group("rest") or "")
    body = without_restricted_nulls(json.loads(served.body))
    if str(served.status) in operation_statuses(spec_path):
        server = urlsplit(spec()["servers"][0]["url"])
        request = MockRequest(f"{server.scheme}://{server.netloc}", served.method.lower(),
                              server.path + f"/{match.group('ns')}/V1{match.group('rest') or ''}", args=served.args)
        openapi().validate_response(request, MockResponse(json.dumps(body).encode(), status_code=served.status,
                                                          content_type=served.content_type))
    else:
        # 401/403/429 and injected faults (502, 503…) are documented only elsewhere, or not at all.
        assert 400 <= served.status < 600, f"{served.status} on {served.path} is not in the spec"
        assert_matches_schema({"$ref": "#/components/schemas/Payload_Object"}, body)
    validated["responses"] += 1


@pytest.fixture(autouse=True)
def dayforce_responses_validated(sandbox_server, monkeypatch):
    vendor = sandbox_server.app["dayforce"]
    served: list[Served] = []
    handle = vendor.handle

    def recording(http_request, path):
        response = handle(http_request, path)
        served.append(Served(http_request.method, vendor.canonical_path(path), http_request.args.to_dict(),
                             response.status_code, (response.content_type or "").split(";")[0],
                             dict(response.headers), response.get_data()))
        return response

    monkeypatch.setattr(vendor, "handle", recording)
    yield served
    for item in served:
        assert_valid(item)
