"""The Rippling sandbox's list queries (docs/vendors/rippling.md §3): `filter`, `order_by` with keyset cursors that
skip nothing while workers change, and `expand` with the redaction of what a key may not read."""
import pytest
import requests

from sandbox.vendors.rippling import DEMO_API_KEY, DEPARTMENTS, NO_SENSITIVE_API_KEY, NO_USERS_API_KEY, object_id
from tests.support.rippling_api import ALAN, BARBARA, EDSGER, GRACE, JOHN, KATHERINE, assert_matches_spec, get, ids
from tests.support.rippling_api import rest_spec  # noqa: F401  (a fixture)


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
