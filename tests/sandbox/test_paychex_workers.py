"""Paychex sandbox: workers (filters, paging, profiles, sub-resources) and company reference lists
(docs/vendors/paychex.md §4, §5). Every answer is validated against the SPEC and the samples."""
import pytest
import requests

from sandbox.vendors.paychex import DEMO_COMPANY_ID, DEMO_CREDENTIALS, INACTIVE_COMPANY_ID, UNLINKED_COMPANY_ID
from tests.sandbox.paychex_spec import (  # noqa: F401 (paychex_answers_valid, spec: fixtures)
    assert_matches_operation,
    paychex_answers_valid,
    spec,
)

pytestmark = pytest.mark.usefixtures("paychex_answers_valid")
WORKERS = "/companies/{companyId}/workers"
WORKERS_TYPE = "application/vnd.paychex.workers.v1+json"


@pytest.fixture
def call(sandbox):
    token = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token",
                          data={"grant_type": "client_credentials", **DEMO_CREDENTIALS}, timeout=5).json()["access_token"]

    def get(path, accept="application/json", **params):
        return requests.get(f"{sandbox.url}/paychex{path}", params=params, timeout=5,
                            headers={"Accept": accept, "Authorization": f"Bearer {token}"})

    return get


def test_it_lists_a_companys_workers_in_the_default_profile(call, spec, sandbox):
    response = call(f"/companies/{DEMO_COMPANY_ID}/workers", accept=WORKERS_TYPE)

    assert response.headers["Content-Type"] == WORKERS_TYPE
    body = assert_matches_operation(spec, WORKERS, response)
    assert body["metadata"] == {"contentItemCount": 7}  # no paging without offset and limit
    assert [w["name"]["familyName"] for w in body["content"][:3]] == ["Sharma", "Hari", "Walker"]
    first = body["content"][0]
    assert first["links"][0] == {"rel": "self", "href": f"{sandbox.url}/paychex/workers/{first['workerId']}"}
    assert response.headers["ETag"]


def test_it_pages_with_offset_and_limit_and_links(call, spec, sandbox):
    path = f"/companies/{DEMO_COMPANY_ID}/workers"
    pages, params = [], {"offset": 0, "limit": 3}
    while True:
        body = assert_matches_operation(spec, WORKERS, call(path, **params))
        pages.append(body)
        rels = {link["rel"]: link["href"] for link in body["links"]}
        if "next" not in rels:
            break
        query = rels["next"].split("?", 1)[1]
        params = dict(part.split("=") for part in query.split("&"))

    assert [len(p["content"]) for p in pages] == [3, 3, 1]
    assert [p["metadata"]["pagination"] for p in pages] == [
        {"offset": o, "limit": 3, "itemCount": 7, "total": 7} for o in (0, 3, 6)]
    assert "previous" not in {link["rel"] for link in pages[0]["links"]}
    assert {link["rel"]: link["href"] for link in pages[2]["links"]}["previous"] == (
        f"{sandbox.url}/paychex{path}?offset=3&limit=3")
    assert len({w["workerId"] for p in pages for w in p["content"]}) == 7


def test_a_lone_offset_or_limit_does_not_page(call, spec):
    body = assert_matches_operation(spec, WORKERS, call(f"/companies/{DEMO_COMPANY_ID}/workers", limit=2))

    assert len(body["content"]) == 7
    assert "pagination" not in body["metadata"]


@pytest.mark.parametrize("params, expected", [
    ({"givenname": "paul", "familyname": "WALKER"}, ["Walker"]),
    ({"employeeid": "21"}, ["Hopper"]),
    ({"locationid": "970001451713467"}, ["Hopper", "Turing"]),
    ({"from": "2020-01-01T00:00:00Z", "to": "2021-12-31T00:00:00Z"}, ["Hopper", "Turing"]),
])
def test_it_filters_workers_by_one_group(call, spec, params, expected):
    body = assert_matches_operation(spec, WORKERS, call(f"/companies/{DEMO_COMPANY_ID}/workers", **params))

    assert [w["name"]["familyName"] for w in body["content"]] == expected


@pytest.mark.parametrize("params", [
    {"givenname": "Paul", "offset": 0, "limit": 2},  # paging and filtering cannot be applied together
    {"employeeid": "21", "locationid": "970001451713467"},  # two filter groups
    {"offset": "x", "limit": 2},
])
def test_it_refuses_combined_filters_and_paging_with_api_40(call, spec, params):
    response = call(f"/companies/{DEMO_COMPANY_ID}/workers", **params)

    assert response.status_code == 400
    assert_matches_operation(spec, WORKERS, response)
    assert response.json()["errors"][0]["code"] == "API-40"


def test_a_search_without_a_match_is_404_api_43(call, spec):
    response = call(f"/companies/{DEMO_COMPANY_ID}/workers", employeeid="no-such")

    assert response.status_code == 404
    assert_matches_operation(spec, WORKERS, response)
    assert response.json()["errors"][0]["code"] == "API-43"


@pytest.mark.parametrize("accept, present, absent", [
    ("application/vnd.paychex.workers_communications.v1+json", {"communications", "legalId"}, set()),
    ("application/vnd.paychex.workers.nonpii.v1+json", {"name"}, {"legalId", "birthDate", "communications"}),
    ("application/vnd.paychex.workers.roster.v1+json", {"employeeId", "name", "communications"}, {"hireDate"}),
])
def test_it_serves_the_worker_profiles(call, spec, accept, present, absent):
    response = call(f"/companies/{DEMO_COMPANY_ID}/workers", accept=accept)

    assert response.headers["Content-Type"] == accept
    worker = assert_matches_operation(spec, WORKERS, response)["content"][0]
    assert present <= set(worker) and not absent & set(worker)


@pytest.mark.parametrize("company_id, status", [(UNLINKED_COMPANY_ID, 403), (INACTIVE_COMPANY_ID, 403),
                                                ("NOSUCH", 404)])
def test_it_refuses_workers_of_companies_out_of_reach(call, spec, company_id, status):
    response = call(f"/companies/{company_id}/workers")

    assert response.status_code == status
    assert_matches_operation(spec, WORKERS, response)


def test_it_refuses_a_media_type_of_another_resource_with_406(call, spec):
    response = call(f"/companies/{DEMO_COMPANY_ID}/workers", accept="application/vnd.paychex.worker.v1+json")

    assert response.status_code == 406
    assert_matches_operation(spec, WORKERS, response, same_as_example=True)


def test_it_serves_one_worker_in_content_and_its_sub_resources(call, spec, sandbox):
    worker_id = call(f"/companies/{DEMO_COMPANY_ID}/workers").json()["content"][2]["workerId"]

    one = assert_matches_operation(spec, "/workers/{workerId}", call(f"/workers/{worker_id}",
                                                                     accept="application/vnd.paychex.worker.v1+json"))
    status = assert_matches_operation(spec, "/workers/{workerId}/status", call(f"/workers/{worker_id}/status"))
    communications = assert_matches_operation(spec, "/workers/{workerId}/communications",
                                              call(f"/workers/{worker_id}/communications"))
    rates = assert_matches_operation(spec, "/workers/{workerId}/compensation/payrates",
                                     call(f"/workers/{worker_id}/compensation/payrates"))
    components = assert_matches_operation(spec, "/workers/{workerId}/paycomponents",
                                          call(f"/workers/{worker_id}/paycomponents"))

    [worker] = one["content"]
    assert (worker["workerId"], worker["name"]["familyName"], worker["job"]["title"]) == (worker_id, "Walker",
                                                                                         "Developer")
    assert [s["statusType"] for s in status["content"]] == ["ACTIVE"]
    assert communications["content"][0]["uri"] == "paul.walker@example.com"
    assert rates["content"][0]["rateType"] == "HOURLY_RATE"
    assert components["content"][0]["effectOnPay"] == "REDUCTION"
    assert call("/workers/NOSUCHWORKER").status_code == 404


@pytest.mark.parametrize("name, item_id", [
    ("jobtitles", "jobTitleId"), ("jobs", "jobId"), ("organizations", "organizationId"), ("locations", "locationId"),
    ("laborassignments", "laborAssignmentId"), ("paycomponents", "componentId"), ("payfrequencies", None),
])
def test_it_serves_the_company_reference_lists(call, spec, name, item_id):
    path = f"/companies/{DEMO_COMPANY_ID}/{name}"
    items = assert_matches_operation(spec, f"/companies/{{companyId}}/{name}", call(path))["content"]

    assert items
    if item_id:
        single_path = {"jobtitles": "{jobTitleId}", "organizations": "{orgId}",
                       "paycomponents": "{paycomponentId}"}.get(name, "{" + item_id + "}")
        one = call(f"{path}/{items[0][item_id]}")
        assert assert_matches_operation(spec, f"/companies/{{companyId}}/{name}/{single_path}", one)["content"] == [
            items[0]]
        assert call(f"{path}/NOSUCH").status_code == 404


def test_organizations_link_their_parent_and_children(call, sandbox):
    base = f"{sandbox.url}/paychex/companies/{DEMO_COMPANY_ID}/organizations"
    organizations = {o["name"]: {(link["rel"], link["href"].rsplit("/", 1)[1]) for link in o["links"]}
                     for o in call(f"/companies/{DEMO_COMPANY_ID}/organizations").json()["content"]}
    ids = {o["name"]: o["organizationId"]
           for o in call(f"/companies/{DEMO_COMPANY_ID}/organizations").json()["content"]}

    assert organizations["1 North Division"] == {("self", ids["1 North Division"]), ("parent", ids["Company"]),
                                                 ("child", ids["1 Branch 1 - north"])}
    assert ("parent", ids["1 North Division"]) in organizations["1 Branch 1 - north"]
    assert not any(rel == "parent" for rel, _ in organizations["Company"])
    assert base.startswith(sandbox.url)
