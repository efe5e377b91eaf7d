"""Changing the Rippling sandbox's company as tests and the demo do: hires, terminations and rehires, departments,
malformed workers, the control route that drives the same helpers, and the seeded generator."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from sandbox.vendors.rippling import DEPARTMENTS, object_id
from tests.support.rippling_api import ALAN, EDSGER, GRACE, JOHN, KATHERINE, assert_matches_spec, get, ids
from tests.support.rippling_api import rest_spec  # noqa: F401  (a fixture)


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
