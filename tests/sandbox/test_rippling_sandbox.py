"""The Rippling sandbox answers as rest_openapi.json and docs/vendors/rippling.md say, checked with openapi-core."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from sandbox.core import SPECS_DIR
from sandbox.vendors.rippling import (
    CONTRACTOR_TYPE_ID,
    DAY,
    DEMO_API_KEY,
    DEPARTMENTS,
    NO_SENSITIVE_API_KEY,
    NO_USERS_API_KEY,
    RESTRICTED_API_KEY,
    WORK_LOCATION_ID,
    object_id,
)

GRACE, ALAN, KATHERINE, EDSGER, BARBARA, JOHN = (object_id(0x10, n) for n in range(1, 7))

SPECS = SPECS_DIR
REST_SPEC = SPECS / "rippling" / "rest_openapi.json"


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


# --- filter (docs/vendors/rippling.md §3) ---------------------------------------------------------------------------
def ids(response):
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("expression, expected", [
    ("updated_at ge 2026-01-01T00:00:00", [KATHERINE, EDSGER, BARBARA]),
    ("updated_at gt 2026-01-20T12:00:00", [BARBARA]),
    ("updated_at ge 2026-01-20T13:00:00+01:00", [EDSGER, BARBARA]),  # an offset is honoured
    ("updated_at ge 2026-01-20T12:00:00Z", [EDSGER, BARBARA]),
    ("updated_at le 2025-11-03T08:15:00", [JOHN, GRACE]),
    ("status eq 'TERMINATED'", [JOHN]),
    ("status ne 'ACTIVE'", [JOHN, BARBARA]),
    ("work_email eq 'alan.turing@example.com'", [ALAN]),
    (f"user_id eq '{object_id(0x11, 3)}'", [KATHERINE]),
    ("created_at lt 2022-01-01T00:00:00 and status eq 'ACTIVE'", [GRACE]),
    ("status eq 'ACTIVE' and updated_at ge 2025-12-01T00:00:00 and updated_at lt 2026-01-20T00:00:00",
     [ALAN, KATHERINE]),
    ("work_email eq 'o''brien@example.com'", []),
])
def test_filters_select_the_matching_workers(sandbox, expression, expected):
    assert ids(get(sandbox, "/workers/", filter=expression, order_by="updated_at")) == expected


@pytest.mark.parametrize("path, expression, detail", [
    # The one error text the contract quotes (RSG-NOTES), for a datetime field.
    ("/workers/", "updated_at ge '2024-10-01T00:00:00'",
     "updated_at parameter is of the wrong type, expected: datetime.datetime | None, got: str"),
    ("/workers/", "created_at lt '2024-10-01'",
     "created_at parameter is of the wrong type, expected: datetime.datetime | None, got: str"),
    ("/workers/", "updated_at ge yesterday", "updated_at parameter is not a valid datetime: 'yesterday'"),
    ("/workers/", "status eq ACTIVE", "status parameter is of the wrong type, expected: str | None"),
    ("/workers/", "start_date eq 2024-01-01", "Cannot filter by 'start_date'; filterable fields: status, work_email"),
    ("/workers/", "status eq 'ACTIVE' or status eq 'HIRED'", "Invalid filter expression"),
    ("/workers/", "status eq", "Invalid filter expression"),
    ("/workers/", "status like 'A%'", "Invalid filter expression"),
    ("/departments/", "name eq 'Engineering'", "filter is not supported on this endpoint."),
    ("/users/", None, "expand is not supported on this endpoint."),
])
def test_bad_filters_answer_400_with_a_detail(sandbox, path, expression, detail):
    params = {"filter": expression} if expression else {"expand": "manager"}

    response = get(sandbox, path, **params)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


# --- order_by and keyset cursors ------------------------------------------------------------------
def walk(sandbox, path, key=DEMO_API_KEY, between_pages=None, **params):
    """Every page of a list, calling `between_pages(page_number)` after each page."""
    pages, response = [], get(sandbox, path, key=key, **params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["results"])
        if between_pages:
            between_pages(len(pages))
        if "next_link" not in body:
            return pages
        response = requests.get(body["next_link"], headers={"Authorization": f"Bearer {key}"}, timeout=5)


@pytest.mark.parametrize("order_by", ["id", "created_at", "updated_at"])
def test_order_by_is_ascending_with_ties_broken_by_id(sandbox, order_by):
    # All employment types share one created_at: the cursor must still step through the tie.
    for path in ("/workers/", "/employment-types/", "/departments/"):
        rows = [row for page in walk(sandbox, path, order_by=order_by, limit=1) for row in page]
        assert [(row[order_by], row["id"]) for row in rows] == sorted((row[order_by], row["id"]) for row in rows)
        assert len({row["id"] for row in rows}) == len(rows) == len(ids(get(sandbox, path)))


def test_the_cursor_keeps_filter_order_and_expand(sandbox):
    pages = walk(sandbox, "/workers/", filter="status eq 'ACTIVE'", order_by="created_at", expand="user", limit=1)

    rows = [row for page in pages for row in page]
    assert [row["id"] for row in rows] == [GRACE, ALAN, KATHERINE, EDSGER]
    assert all(row["user"]["id"] == row["user_id"] for row in rows)
    first_link = get(sandbox, "/workers/", filter="status eq 'ACTIVE'", limit=1).json()["next_link"]
    assert "filter" not in first_link and "?cursor=" in first_link  # the cursor carries the query


def test_a_delta_walk_skips_nothing_while_workers_change(sandbox):
    rippling = sandbox.app["rippling"]
    rippling.seed(workers=40, departments=5, seed=3)
    delta = {"filter": "updated_at ge 2015-01-01T00:00:00", "order_by": "updated_at", "limit": 10}
    before = ids(get(sandbox, "/workers/", **{**delta, "limit": 100}))
    seen_first, unseen = before[2], before[-3]
    changes = {}

    def change_records(page_number):
        if page_number == 1:
            changes["seen"] = rippling.update_worker(seen_first, title="Changed after it was read")
            changes["unseen"] = rippling.update_worker(unseen, title="Changed before it was read")
            changes["hired"] = rippling.hire(given_name="Mid", family_name="Walk")

    rows = [row for page in walk(sandbox, "/workers/", between_pages=change_records, **delta) for row in page]

    got = [row["id"] for row in rows]
    assert set(before) <= set(got)  # nothing skipped
    # A record changed after it was read comes again with its new version; the others once each.
    assert got.count(seen_first) == 2 and got.count(unseen) == 1
    assert got[-3:] == [seen_first, unseen, changes["hired"]["id"]]
    assert rows[-2]["title"] == "Changed before it was read"
    assert len(got) == len(before) + 2


def test_a_full_walk_by_created_at_is_unmoved_by_updates(sandbox):
    rippling = sandbox.app["rippling"]
    rippling.seed(workers=25, departments=3, seed=5)
    before = ids(get(sandbox, "/workers/", order_by="created_at", limit=100))

    def update_everything_seen(page_number):
        for worker_id in before[:page_number * 10]:
            rippling.update_worker(worker_id, title=f"Updated on page {page_number}")

    got = [row["id"] for page in walk(sandbox, "/workers/", between_pages=update_everything_seen,
                                      order_by="created_at", limit=10) for row in page]

    assert got == before


# --- expand and redaction -------------------------------------------------------------------------
def test_expand_embeds_the_related_records(sandbox):
    [alan] = get(sandbox, "/workers/", filter="work_email eq 'alan.turing@example.com'",
                 expand="user,department,manager,employment_type").json()["results"]

    assert alan["user"]["name"]["given_name"] == "Alan" and alan["user"]["name"]["family_name"] == "Turing"
    assert alan["user"]["active"] is True and alan["user"]["id"] == alan["user_id"]
    assert alan["department"] == {
        "id": DEPARTMENTS["platform"], "created_at": "2023-03-01T09:00:00+00:00",
        "updated_at": "2023-03-01T09:00:00+00:00", "name": "Platform", "parent_id": DEPARTMENTS["engineering"],
        "reference_code": "ENG-PLT", "department_hierarchy_id": [DEPARTMENTS["engineering"], DEPARTMENTS["platform"]]}
    assert alan["manager"]["id"] == GRACE and "user" not in alan["manager"]
    assert alan["employment_type"]["type"] == "EMPLOYEE"
    assert "user" not in get(sandbox, f"/workers/{ALAN}/").json()


def test_a_key_without_users_scope_gets_the_user_redacted(sandbox, rest_spec):
    response = get(sandbox, "/workers/", key=NO_USERS_API_KEY, expand="user,department")

    assert_matches_spec(rest_spec, response)
    body = response.json()
    assert body["__meta"]["redacted_fields"] == [{"name": "user", "reason": "Insufficient entitlements"}]
    assert all("user" not in row and "department" in row for row in body["results"])
    single = get(sandbox, f"/workers/{ALAN}/", key=NO_USERS_API_KEY, expand="user").json()
    assert "user" not in single and single["__meta"]["redacted_fields"][0]["name"] == "user"


def test_sensitive_fields_are_redacted_inside_expanded_workers_too(sandbox):
    body = get(sandbox, f"/workers/{ALAN}/", key=NO_SENSITIVE_API_KEY, expand="manager,user").json()

    assert [f["name"] for f in body["__meta"]["redacted_fields"]] == [
        "date_of_birth", "gender", "manager.date_of_birth", "manager.gender"]
    assert "date_of_birth" not in body and "date_of_birth" not in body["manager"]
    assert body["user"]["name"]["given_name"] == "Alan"


# --- mutations ------------------------------------------------------------------------------------
def today(sandbox):
    return datetime.fromtimestamp(sandbox.app.clock.now(), timezone.utc).date()


def test_a_hire_creates_a_worker_and_user_in_the_spec_shape(sandbox, rest_spec):
    rippling = sandbox.app["rippling"]
    hired = rippling.hire(given_name="Ada", family_name="Lovelace", title="Analyst",
                          department_id=DEPARTMENTS["people"])
    future = rippling.hire(given_name="Hedy", family_name="Lamarr", start_date=today(sandbox) + timedelta(days=30))

    response = get(sandbox, f"/workers/{hired['id']}/", expand="user")
    assert_matches_spec(rest_spec, response)
    worker = response.json()
    assert worker["status"] == "ACTIVE" and worker["start_date"] == today(sandbox).isoformat()
    assert worker["title"] == "Analyst" and worker["department_id"] == DEPARTMENTS["people"]
    assert worker["user"]["display_name"] == "Ada Lovelace" and worker["created_at"] == worker["updated_at"]
    assert future["status"] == "HIRED"
    assert ids(get(sandbox, "/workers/", order_by="created_at"))[-2:] == [hired["id"], future["id"]]


def test_terminate_and_rehire_follow_the_worker_schema(sandbox, rest_spec):
    rippling = sandbox.app["rippling"]

    terminated = rippling.terminate(ALAN, "2026-06-30", "Relocation", termination_type="VOLUNTARY")
    response = get(sandbox, f"/workers/{ALAN}/", expand="user")
    assert_matches_spec(rest_spec, response)
    assert response.json()["status"] == "TERMINATED" and response.json()["end_date"] == "2026-06-30"
    assert response.json()["termination_details"] == {"type": "VOLUNTARY", "reason": "Relocation"}
    assert response.json()["user"]["active"] is False

    rehired = rippling.rehire(ALAN, "2026-08-01")
    response = get(sandbox, f"/workers/{ALAN}/", expand="user")
    assert_matches_spec(rest_spec, response)
    body = response.json()
    # UNCONFIRMED default: the same worker id comes back, with the same user and a new start date.
    assert body["id"] == ALAN and body["status"] == "ACTIVE" and body["start_date"] == "2026-08-01"
    assert "end_date" not in body and "termination_details" not in body and body["user"]["active"] is True
    assert terminated["updated_at"] < rehired["updated_at"] == body["updated_at"]


def test_a_rehire_as_a_new_worker_keeps_the_user(sandbox):
    rippling = sandbox.app["rippling"]

    rehired = rippling.rehire(JOHN, today(sandbox) - timedelta(days=1), new_worker=True)

    assert rehired["id"] != JOHN and rehired["user_id"] == object_id(0x11, 6)
    assert rehired["status"] == "ACTIVE" and "termination_details" not in rehired
    assert get(sandbox, f"/workers/{JOHN}/").json()["status"] == "TERMINATED"
    assert ids(get(sandbox, "/workers/", filter=f"user_id eq '{object_id(0x11, 6)}'")) == sorted([JOHN, rehired["id"]])


def test_a_user_change_bumps_the_worker(sandbox):
    rippling = sandbox.app["rippling"]

    changed = rippling.update_worker(KATHERINE, user={"name": {"family_name": "Goble"}})

    [worker] = get(sandbox, "/workers/", filter=f"updated_at ge {changed['updated_at'].replace('+00:00', '')}",
                   expand="user").json()["results"]
    assert worker["id"] == KATHERINE
    assert worker["user"]["name"]["family_name"] == "Goble" and worker["user"]["display_name"] == "Katherine Goble"
    assert worker["user"]["updated_at"] == worker["updated_at"]


def test_departments_form_a_hierarchy_that_can_grow_and_move(sandbox, rest_spec):
    rippling = sandbox.app["rippling"]

    data = rippling.add_department("Data", parent_id=DEPARTMENTS["platform"], reference_code="ENG-DATA")
    assert data["department_hierarchy_id"] == [DEPARTMENTS["engineering"], DEPARTMENTS["platform"], data["id"]]
    rippling.update_department(DEPARTMENTS["platform"], parent_id=DEPARTMENTS["people"])

    response = get(sandbox, f"/departments/{data['id']}/", expand="parent,department_hierarchy")
    assert_matches_spec(rest_spec, response)
    assert response.json()["department_hierarchy_id"] == [DEPARTMENTS["people"], DEPARTMENTS["platform"], data["id"]]
    assert [d["name"] for d in response.json()["department_hierarchy"]] == ["People", "Platform", "Data"]
    with pytest.raises(ValueError):
        rippling.update_department(DEPARTMENTS["people"], parent_id=data["id"])  # a cycle


@pytest.mark.parametrize("kind, broken", [
    ("missing_required", lambda w: not {"created_at", "user_id", "status", "start_date"} & set(w)),
    ("wrong_types", lambda w: w["start_date"] == 20240101 and w["number"] == "seven" and w["status"] == "EMPLOYED"),
    ("bad_dates", lambda w: w["start_date"] == "31/12/2024" and w["end_date"] == "someday"),
])
def test_a_malformed_worker_is_served_by_the_delta(sandbox, kind, broken):
    rippling = sandbox.app["rippling"]
    since = rippling.hire(given_name="Before", family_name="Malformed")["updated_at"].replace("+00:00", "")

    injected = rippling.inject_malformed_worker(kind)
    rows = get(sandbox, "/workers/", filter=f"updated_at ge {since}", order_by="updated_at",
               expand="user,department").json()["results"]

    assert rows[-1]["id"] == injected["id"] and broken(rows[-1])


def test_every_mutation_moves_updated_at_forward_even_if_the_clock_does_not(sandbox):
    rippling = sandbox.app["rippling"]
    stamps = [rippling.hire()["updated_at"]]
    sandbox.app.clock.advance(-3600)  # a clock stepping back must not reorder the delta
    stamps.append(rippling.update_worker(GRACE, title="CTO")["updated_at"])
    stamps.append(rippling.terminate(EDSGER, "2026-03-31", "Contract ended")["updated_at"])
    stamps.append(rippling.add_department("Legal")["updated_at"])

    assert stamps == sorted(set(stamps))
    assert ids(get(sandbox, "/workers/", order_by="updated_at"))[-3:] == [
        ids(get(sandbox, "/workers/", order_by="created_at"))[-1], GRACE, EDSGER]


def control(sandbox, action, **arguments):
    return requests.post(f"{sandbox.url}/rippling/_control/{action}", json=arguments, timeout=5)


def test_the_control_route_drives_the_same_helpers(sandbox):
    sandbox.app["rippling"].limiter.limit = 1  # control calls are not Rippling API calls: never throttled
    hired = control(sandbox, "hire", given_name="Grete", family_name="Waitz", title="Runner").json()
    control(sandbox, "terminate", worker_id=hired["id"], date="2026-12-31", reason="Retired",
            termination_type="RETIREMENT")
    start = (today(sandbox) + timedelta(days=10)).isoformat()
    rehired = control(sandbox, "rehire", worker_id=hired["id"], start_date=start).json()
    department = control(sandbox, "add_department", name="Athletics", parent_id=DEPARTMENTS["people"]).json()
    moved = control(sandbox, "update_worker", worker_id=hired["id"], department_id=department["id"]).json()
    malformed = control(sandbox, "inject_malformed_worker", kind="wrong_types").json()

    assert rehired["status"] == "HIRED" and rehired["start_date"] == start  # before the start date
    assert moved["department_id"] == department["id"] and malformed["status"] == "EMPLOYED"
    assert control(sandbox, "seed", workers=12, departments=4, seed=2).json() == {"workers": 12, "departments": 4}
    assert control(sandbox, "fire_everyone").status_code == 404
    assert control(sandbox, "terminate", worker_id="65a0ffffffffffffffffffff", date="2026-01-01").status_code == 404
    assert control(sandbox, "hire", shoe_size=44).status_code == 400
    assert control(sandbox, "inject_malformed_worker", kind="cursed").status_code == 400


# --- the generator ----------------------------------------------------------------------------------
def test_the_generator_is_deterministic_per_seed(sandbox):
    rippling = sandbox.app["rippling"]
    rippling.seed(workers=60, departments=8, seed=42)
    first = get(sandbox, "/workers/", expand="user", order_by="created_at").json()
    rippling.seed(workers=60, departments=8, seed=42)
    again = get(sandbox, "/workers/", expand="user", order_by="created_at").json()
    rippling.seed(workers=60, departments=8, seed=43)
    other = get(sandbox, "/workers/", expand="user", order_by="created_at").json()

    assert first == again and first != other
    departments = get(sandbox, "/departments/").json()["results"]
    assert len(departments) == 8 and any("parent_id" in d for d in departments)


def test_a_hundred_thousand_workers_seed_and_page(sandbox):
    rippling = sandbox.app["rippling"]

    assert rippling.seed(workers=100_000, departments=250, seed=9) == {"workers": 100_000, "departments": 250}

    body = get(sandbox, "/workers/", filter="updated_at ge 2025-12-01T00:00:00", order_by="updated_at").json()
    assert len(body["results"]) == 100 and body["next_link"]
    hired = rippling.hire(given_name="Number", family_name="Hundred-Thousand-One")
    assert hired["number"] == 100_001
    [last] = get(sandbox, "/workers/", filter=f"updated_at ge {hired['updated_at'][:19]}").json()["results"]
    assert last["id"] == hired["id"]
