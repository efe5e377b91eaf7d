"""Dayforce sandbox: discovery, employee search and details, effective dating, field security, the
details rate limit and the test-only changes. Every response is validated against openapi.yaml."""
from datetime import datetime, timedelta, timezone

import pytest

from sandbox.vendors.dayforce import FIELD_RESTRICTED_USERNAME, RESTRICTED_USERNAME
from tests.support.dayforce import NS, dayforce, get, token, token_for  # noqa: F401 (fixtures)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

EXPAND_ALL = "WorkAssignments,EmploymentStatuses,EmployeeManagers,Addresses,Contacts,OrgUnitInfos,CompensationSummary"


def window(start: datetime, end: datetime) -> dict:
    return {"filterUpdatedStartDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "filterUpdatedEndDate": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


def xrefs(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["XRefCode"] for row in response.json()["Data"]]


def test_it_redirects_discovery_to_the_namespace_host(sandbox, token):
    redirected = get(sandbox, f"/Api{NS}/ClientMetadata", token, host="/dayforce-www")

    assert redirected.status_code == 302
    location = redirected.headers["Location"]
    assert location == f"{sandbox.url}/dayforce/Api{NS}/ClientMetadata"
    metadata = get(sandbox, location, token)
    assert metadata.status_code == 200
    assert metadata.json() == {"ServiceVersion": "66.1.1.15016", "ServiceUri": f"{sandbox.url}/dayforce/Api"}


def test_it_shows_only_the_master_record_without_expand(sandbox, token):
    data = get(sandbox, f"{NS}/Employees/42101", token).json()["Data"]

    assert data["FirstName"] == "Alan" and data["HomeOrganization"]["XRefCode"] == "OSL-ENG"
    assert not {"WorkAssignments", "EmploymentStatuses", "Contacts"} & set(data)


def test_it_expands_every_collection_as_items(sandbox, token):
    data = get(sandbox, f"{NS}/Employees/42101", token, expand=EXPAND_ALL).json()["Data"]

    for name in EXPAND_ALL.split(","):
        assert set(data[name]) == {"Items"} and data[name]["Items"], name
    assert data["EmployeeManagers"]["Items"][0]["ManagerXRefCode"] == "42100"
    assert data["OrgUnitInfos"]["Items"][0]["OrgUnitDetail"]["XRefCode"] == "OSL-ENG"
    assert data["CompensationSummary"]["Items"][0]["BaseSalary"] == 780_000.0
    assert {c["ContactInformationType"]["XRefCode"] for c in data["Contacts"]["Items"]} == {"BusinessEmail",
                                                                                          "BusinessPhone"}


@pytest.mark.parametrize("params, units", [
    ({}, ["TRD-ENG"]),
    ({"contextDate": "2025-05-01T00:00:00Z"}, ["OSL-ENG"]),
    ({"contextDateRangeFrom": "2025-01-01T00:00:00Z", "contextDateRangeTo": "2026-01-01T00:00:00Z"},
     ["OSL-ENG", "TRD-ENG"]),
])
def test_it_filters_effective_dated_records_by_the_context_date(sandbox, token, params, units):
    data = get(sandbox, f"{NS}/Employees/42103", token, expand="workassignments", **params).json()["Data"]

    assert [item["Location"]["XRefCode"] for item in data["WorkAssignments"]["Items"]] == units


def test_it_serves_sub_resources_directly_in_data(sandbox, token):
    response = get(sandbox, f"/api{NS.lower()}/employees/42103/workassignments", token, contextDate="2025-05-01T00:00:00Z")

    assert response.status_code == 200
    assert [item["Location"]["XRefCode"] for item in response.json()["Data"]] == ["OSL-ENG"]


def test_it_answers_an_unknown_xrefcode_with_400_and_processresults(sandbox, token):
    response = get(sandbox, f"{NS}/Employees/99999", token, expand="WorkAssignments")

    assert response.status_code == 400
    result, = response.json()["ProcessResults"]
    assert result["Level"] == "ERROR" and result["Context"] == "xRefCode" and "99999" in result["Message"]


def test_the_search_finds_records_that_became_effective_in_the_window(sandbox, token):
    # Nobody touched Edsger in 2025, but his Trondheim assignment started on 1 June 2025 (SPEC §4.1).
    found = get(sandbox, f"{NS}/Employees", token, **window(datetime(2025, 5, 30, tzinfo=timezone.utc),
                                                             datetime(2025, 6, 2, tzinfo=timezone.utc)))

    assert xrefs(found) == ["42103"]


def test_the_search_narrows_to_updated_entities(sandbox, dayforce, token):
    before = dayforce.now()
    dayforce.change("edit", "42100", HomePhone="+47 99 99 99 99")
    dayforce.change("transfer", "42101", org_unit="BGO-OPS", department="OPS")
    span = window(before - timedelta(seconds=1), dayforce.now() + timedelta(seconds=1))

    assert xrefs(get(sandbox, f"{NS}/Employees", token, **span)) == ["42100", "42101"]
    assert xrefs(get(sandbox, f"{NS}/Employees", token, filterUpdatedEntities="WorkAssignments", **span)) == ["42101"]


def test_the_search_returns_employees_whose_visible_data_did_not_change(sandbox, dayforce, token):
    shown = get(sandbox, f"{NS}/Employees/42102", token, expand=EXPAND_ALL).json()
    before = dayforce.now()
    dayforce.change("touch_hidden", "42102")

    found = get(sandbox, f"{NS}/Employees", token, **window(before - timedelta(seconds=1), dayforce.now()))

    assert xrefs(found) == ["42102"]
    assert get(sandbox, f"{NS}/Employees/42102", token, expand=EXPAND_ALL).json() == shown


def test_a_field_restricted_role_gets_nulls_not_403(sandbox):
    response = get(sandbox, f"{NS}/Employees/42101", token_for(sandbox, FIELD_RESTRICTED_USERNAME),
                   expand="EmploymentStatuses")

    assert response.status_code == 200
    data = response.json()["Data"]
    assert data["SocialSecurityNumber"] is None and data["BirthDate"] is None
    assert data["EmploymentStatuses"]["Items"][0]["BaseSalary"] is None
    assert data["FirstName"] == "Alan"


@pytest.mark.parametrize("path", ["/Employees/42101", "/OrgUnits", "/EmployeePaySummaries"])
def test_a_role_without_hcm_anywhere_gets_403_everywhere(sandbox, path):
    response = get(sandbox, NS + path, token_for(sandbox, RESTRICTED_USERNAME),
                   filterPaySummaryStartDate="2026-09-01T00:00:00Z", filterPaySummaryEndDate="2026-09-30T00:00:00Z")

    assert response.status_code == 403
    assert response.json()["ProcessResults"][0]["Message"] == "User does not have access."


def test_details_are_limited_to_ten_a_second_and_a_hundred_a_minute(sandbox, dayforce, token):
    first_second = [get(sandbox, f"{NS}/Employees/42101", token).status_code for _ in range(11)]
    assert first_second == [200] * 10 + [429]
    limited = get(sandbox, f"{NS}/Employees/42101", token)
    assert limited.headers["Retry-After"] == "1"
    # The search is not a details call: it still answers.
    assert get(sandbox, f"{NS}/Employees", token).status_code == 200

    statuses = []
    for _ in range(9):
        dayforce.clock.advance(1.0)
        statuses += [get(sandbox, f"{NS}/Employees/42101", token).status_code for _ in range(10)]
    dayforce.clock.advance(1.0)
    over_the_minute = get(sandbox, f"{NS}/Employees/42101", token)

    assert statuses == [200] * 90
    assert over_the_minute.status_code == 429
    assert 40 <= int(over_the_minute.headers["Retry-After"]) <= 60


def test_hire_terminate_and_rehire_show_in_search_and_details(sandbox, dayforce):
    start = dayforce.now()
    xref = dayforce.change("hire", first="Katherine", last="Johnson", org_unit="OSL-ENG", department="ENG",
                           job="DEV", pay_group="NO-MONTHLY", pay=800_000)
    dayforce.clock.advance(3600)
    dayforce.change("terminate", xref)
    dayforce.clock.advance(86400 * 30)
    rehiring = dayforce.now()
    dayforce.change("rehire", xref)
    rehired = dayforce.now()
    token = token_for(sandbox)  # a month passed: the first token is long expired

    assert xrefs(get(sandbox, f"{NS}/Employees", token, **window(start, dayforce.now()))) == [xref]
    data = get(sandbox, f"{NS}/Employees/{xref}", token, expand="EmploymentStatuses").json()["Data"]
    assert [s["EmploymentStatus"]["XRefCode"] for s in data["EmploymentStatuses"]["Items"]] == ["ACTIVE"]
    assert "TerminationDate" not in data and data["OriginalHireDate"] < data["HireDate"]
    gap = (start + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    between = get(sandbox, f"{NS}/Employees/{xref}", token, expand="EmploymentStatuses", contextDate=gap).json()
    assert between["Data"]["EmploymentStatuses"]["Items"][0]["EmploymentStatus"]["XRefCode"] == "TERMINATED"
    # The sandbox clock runs on in real time, so the stamp is the rehire's second, not necessarily now's.
    stamp = datetime.strptime(data["LastModifiedTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert rehiring.replace(microsecond=0) <= stamp <= rehired


@pytest.mark.parametrize("params, expected", [
    ({"employmentStatusXRefCode": "ACTIVE", "departmentXRefCode": "OPS"}, ["42104", "42107", "42110"]),
    ({"employmentStatusXRefCode": "TERMINATED"}, ["42111"]),
    ({"displayName": "hop"}, ["42102"]),
    ({"orgUnitXRefCode": "OSL-ENG", "contextDate": "2025-05-01T00:00:00Z"}, ["42100", "42101", "42103", "42111"]),
])
def test_the_search_honours_the_other_filters_as_of_the_context_date(sandbox, token, params, expected):
    assert xrefs(get(sandbox, f"{NS}/Employees", token, **params)) == expected


def test_a_corrupted_employee_is_still_valid_json_for_the_spec_but_unusable(sandbox, dayforce, token):
    dayforce.change("corrupt", "42105")

    data = get(sandbox, f"{NS}/Employees/42105", token, expand="WorkAssignments").json()["Data"]

    assert data["LastName"] == "" and data["WorkAssignments"] == {"Items": []}
    assert "HomeOrganization" not in data


def test_faults_come_on_demand_in_dayforces_error_shape(sandbox, dayforce, token):
    dayforce.faults.fail_next(1, status=503)

    failed = get(sandbox, f"{NS}/Employees", token)

    assert failed.status_code == 503
    assert failed.json()["ProcessResults"][0]["Level"] == "ERROR"
    assert get(sandbox, f"{NS}/Employees", token).status_code == 200
