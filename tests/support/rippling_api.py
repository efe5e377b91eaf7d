"""Talking to the Rippling sandbox's REST API over HTTP in tests, and checking its answers with openapi-core against
Rippling's published rest_openapi.json."""
import json

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from sandbox.core import SPECS_DIR
from sandbox.vendors.rippling import DEMO_API_KEY, object_id

# The seeded workers (sandbox/vendors/rippling/seed.py), in the order they were created.
GRACE, ALAN, KATHERINE, EDSGER, BARBARA, JOHN = (object_id(0x10, n) for n in range(1, 7))

REST_SPEC = SPECS_DIR / "rippling" / "rest_openapi.json"


@pytest.fixture(scope="module")
def rest_spec(sandbox_server):
    """Rippling's published REST spec, served from the sandbox's URL instead of rest.ripplingapis.com."""
    spec = json.loads(REST_SPEC.read_text())
    spec["servers"] = [{"url": sandbox_server.url + "/rippling"}]
    return OpenAPI.from_dict(spec)


def get(sandbox, path, key=DEMO_API_KEY, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.get(f"{sandbox.url}/rippling{path}", headers=headers, params=params, timeout=5)


def assert_matches_spec(rest_spec, response):
    assert response.status_code == 200, response.text
    rest_spec.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


def ids(response):
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["results"]]
