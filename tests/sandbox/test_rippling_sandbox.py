"""The Rippling sandbox answers as rest_openapi.json and CONTRACT.md say, checked with openapi-core."""
import json
from pathlib import Path

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from sandbox.vendors.rippling import DAY, DEMO_API_KEY, NO_SENSITIVE_API_KEY, RESTRICTED_API_KEY

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
REST_SPEC = SPECS / "rippling" / "rest_openapi.json"


@pytest.fixture(scope="module")
def rest_spec(sandbox_server):
    """Rippling's published REST spec, served from the sandbox's URL instead of rest.ripplingapis.com."""
    if not REST_SPEC.is_file():
        pytest.fail(f"Rippling's REST spec is missing at {REST_SPEC}. The tests read the vendor specs from "
                    "shared/specs beside the repository; clone shared/ next to it.")
    spec = json.loads(REST_SPEC.read_text())
    spec["servers"] = [{"url": sandbox_server.url + "/rippling"}]
    return OpenAPI.from_dict(spec)


def get(sandbox, path, key=DEMO_API_KEY, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.get(f"{sandbox.url}/rippling{path}", headers=headers, params=params, timeout=5)


def assert_matches_spec(rest_spec, response):
    assert response.status_code == 200, response.text
    rest_spec.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


def test_the_workers_list_matches_the_spec(sandbox, rest_spec):
    response = get(sandbox, "/workers/")

    assert_matches_spec(rest_spec, response)
    body = response.json()
    assert body["__meta"] == {"redacted_fields": []}
    assert len(body["results"]) == 6
    assert "next_link" not in body  # last page: absent, the spec has no null next_link
    assert {w["status"] for w in body["results"]} == {"ACTIVE", "HIRED", "TERMINATED"}


def test_the_cursor_walks_every_worker_once_in_spec_shaped_pages(sandbox, rest_spec):
    response = get(sandbox, "/workers/", limit=2, order_by="updated_at")
    seen = []
    while True:
        assert_matches_spec(rest_spec, response)
        body = response.json()
        seen += body["results"]
        if "next_link" not in body:
            break
        # The cursor carries limit and order: the link holds nothing else (CONTRACT §3).
        assert body["next_link"].startswith(f"{sandbox.url}/rippling/workers/?cursor=")
        response = requests.get(body["next_link"], headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5)

    assert len(seen) == 6 and len({w["id"] for w in seen}) == 6
    assert [w["updated_at"] for w in seen] == sorted(w["updated_at"] for w in seen)


def test_paths_answer_with_and_without_the_trailing_slash(sandbox):
    assert get(sandbox, "/workers").json() == get(sandbox, "/workers/").json()


def test_a_key_without_personal_scope_gets_redacted_fields(sandbox, rest_spec):
    response = get(sandbox, "/workers/", key=NO_SENSITIVE_API_KEY)

    assert_matches_spec(rest_spec, response)
    body = response.json()
    assert {f["name"] for f in body["__meta"]["redacted_fields"]} == {"date_of_birth", "gender"}
    assert not any("date_of_birth" in w or "gender" in w for w in body["results"])


def test_a_relative_next_link_resolves_against_the_host(sandbox):
    sandbox.app["rippling"].relative_next_links = True

    body = get(sandbox, "/workers/", limit=4).json()

    assert body["next_link"].startswith("/rippling/workers/?cursor=")
    assert len(get(sandbox, "/workers/", cursor=body["next_link"].split("cursor=")[1]).json()["results"]) == 2


@pytest.mark.parametrize("key, status, detail", [
    (None, 401, "Authentication credentials were not provided."),
    ("rpl_unknown", 401, "Invalid token."),
    (RESTRICTED_API_KEY, 403, "You do not have permission to perform this action."),
])
def test_auth_failures_use_the_assumed_error_body(sandbox, key, status, detail):
    response = get(sandbox, "/workers/", key=key)

    assert response.status_code == status
    assert response.json() == {"detail": detail}  # CONTRACT §6: shape assumed, spec declares none


def test_an_idle_key_lapses_and_a_revoked_one_is_refused(sandbox):
    sandbox.app.clock.advance(29 * DAY)
    assert get(sandbox, "/workers/").status_code == 200  # use keeps the key alive
    sandbox.app.clock.advance(29 * DAY)
    assert get(sandbox, "/workers/").status_code == 200

    sandbox.app.clock.advance(31 * DAY)
    assert get(sandbox, "/workers/").status_code == 401

    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5)
    requests.post(f"{sandbox.url}/_sandbox/rippling/revoke-tokens", timeout=5)
    assert get(sandbox, "/workers/").json() == {"detail": "Invalid token."}


def test_the_rate_limit_answers_429_with_retry_after(sandbox):
    sandbox.app["rippling"].limiter.limit = 1
    assert get(sandbox, "/workers/").status_code == 200

    response = get(sandbox, "/workers/")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert response.json() == {"detail": "Request was throttled. Expected available in 60 seconds."}


@pytest.mark.parametrize("params, detail", [
    ({"order_by": "work_email"}, "Cannot order by 'work_email'"),
    ({"cursor": "not-a-cursor"}, "Invalid cursor."),
    ({"filter": "status eq 'ACTIVE'"}, "does not simulate `filter`"),
    ({"limit": "many"}, "limit must be an integer"),
])
def test_bad_list_parameters_are_refused_not_ignored(sandbox, params, detail):
    response = get(sandbox, "/workers/", **params)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
