"""The Rippling sandbox's REST endpoints answer as rest_openapi.json and docs/vendors/rippling.md say (checked with
openapi-core): lists and their cursors, auth and scopes, the rate limit, refused parameters, single records."""
import pytest
import requests

from sandbox.vendors.rippling import (
    CONTRACTOR_TYPE_ID,
    DAY,
    DEMO_API_KEY,
    DEPARTMENTS,
    NO_SENSITIVE_API_KEY,
    RESTRICTED_API_KEY,
    WORK_LOCATION_ID,
    object_id,
)
from tests.support.rippling_api import ALAN, JOHN, assert_matches_spec, get, rest_spec  # noqa: F401  (rest_spec: fixture)


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
        # The cursor carries limit and order: the link holds nothing else (docs/vendors/rippling.md §3).
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
    assert response.json() == {"detail": detail}  # docs/vendors/rippling.md §6: shape assumed, spec declares none


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
    ({"filter": "title eq 'Engineer'"}, "Cannot filter by 'title'"),
    ({"expand": "payroll"}, "Cannot expand 'payroll'"),
    ({"limit": "many"}, "limit must be an integer"),
])
def test_bad_list_parameters_are_refused_not_ignored(sandbox, params, detail):
    response = get(sandbox, "/workers/", **params)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


# --- every endpoint, against the spec ----------------------------------------------------------
WORKER_EXPANSIONS = "user,manager,legal_entity,employment_type,department,teams,custom_fields,business_partners"


@pytest.mark.parametrize("path, params", [
    ("/workers/", {"expand": WORKER_EXPANSIONS}),
    (f"/workers/{ALAN}/", {"expand": WORKER_EXPANSIONS}),
    (f"/workers/{JOHN}/", {}),
    ("/users/", {}),
    (f"/users/{object_id(0x11, 2)}/", {}),
    ("/departments/", {"expand": "parent,department_hierarchy"}),
    (f"/departments/{DEPARTMENTS['platform']}/", {"expand": "parent,department_hierarchy"}),
    ("/work-locations/", {}),
    (f"/work-locations/{WORK_LOCATION_ID}/", {}),
    ("/employment-types/", {}),
    (f"/employment-types/{CONTRACTOR_TYPE_ID}/", {}),
    ("/companies/", {"expand": "parent_legal_entity,legal_entities"}),
])
def test_every_endpoint_matches_the_spec(sandbox, rest_spec, path, params):
    response = get(sandbox, path, **params)

    assert_matches_spec(rest_spec, response)
    body = response.json()
    assert body["__meta"] == {"redacted_fields": []}
    for record in body.get("results", [body]):
        assert {"id", "created_at", "updated_at"} <= set(record)


def test_a_generated_company_matches_the_spec(sandbox, rest_spec):
    sandbox.app["rippling"].seed(workers=300, departments=40, seed=11)

    for path, params, count in [
        ("/workers/", {"expand": "user,manager,department,employment_type", "order_by": "created_at"}, 100),
        ("/users/", {}, 100),
        ("/departments/", {"expand": "parent,department_hierarchy"}, 40),
    ]:
        response = get(sandbox, path, **params)
        assert_matches_spec(rest_spec, response)
        assert len(response.json()["results"]) == count


def test_single_records_answer_404_with_detail(sandbox):
    response = get(sandbox, "/workers/65a0ffffffffffffffffffff/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert get(sandbox, f"/companies/{object_id(1, 1)}/").status_code == 404  # no such path in the spec


def test_each_resource_needs_its_own_read_scope(sandbox):
    assert get(sandbox, "/companies/", key=RESTRICTED_API_KEY).status_code == 200
    for path in ("/users/", "/departments/", "/work-locations/", "/employment-types/", f"/workers/{ALAN}/"):
        assert get(sandbox, path, key=RESTRICTED_API_KEY).status_code == 403, path
