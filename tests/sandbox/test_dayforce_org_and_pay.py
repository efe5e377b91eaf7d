"""Dayforce sandbox: org units (list, parents and children, four levels, moves and renames, the
cycle/orphan switch) and EmployeePaySummaries (required dates, Paging.Next cursors, pay groups,
retro lines, corrected runs). Every response is validated against openapi.yaml."""
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.dayforce import NS, dayforce, get, token, token_for  # noqa: F401 (fixtures)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

SEP_TO_NOV = {"filterPaySummaryStartDate": "2026-09-01T00:00:00Z", "filterPaySummaryEndDate": "2026-11-30T23:59:59Z"}


def org_unit(sandbox, token, xref, **params):
    response = get(sandbox, f"{NS}/OrgUnits/{xref}", token, expand="OrgUnitParents", includeChildOrgUnits="true",
                   **params)
    assert response.status_code == 200, response.text
    return response.json()["Data"]


def parents(unit) -> list[str]:
    return [item["ParentOrgUnit"]["XRefCode"] for item in unit["OrgUnitParents"]["Items"]]


def all_pages(sandbox, token, **params) -> tuple[list[dict], list[str]]:
    response = get(sandbox, f"{NS}/EmployeePaySummaries", token, **params)
    lines, links = [], []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        lines += body["Data"]
        links.append(body["Paging"]["Next"])
        if not body["Paging"]["Next"]:
            return lines, links
        response = get(sandbox, body["Paging"]["Next"], token)


def test_it_lists_org_units_as_xrefcodes(sandbox, token):
    data = get(sandbox, f"{NS}/OrgUnits", token).json()["Data"]

    assert len(data) == 13 and all(set(row) == {"XRefCode"} for row in data)


def test_org_units_form_a_hierarchy_four_levels_deep(sandbox, token):
    oslo = org_unit(sandbox, token, "OSL")
    assert parents(oslo) == ["NORTH"]
    assert [child["XRefCode"] for child in oslo["ChildOrgUnits"]["Items"]] == ["OSL-ENG", "OSL-SAL"]

    path, xref = [], "OSL-ENG"
    while True:
        path.append(xref)
        above = parents(org_unit(sandbox, token, xref))
        if not above:
            break
        xref, = above

    assert path == ["OSL-ENG", "OSL", "NORTH", "CORP"]
    assert org_unit(sandbox, token, "CORP")["OrgLevel"]["ShortName"] == "Corporate"


def test_parents_and_children_only_come_when_asked(sandbox, token):
    data = get(sandbox, f"{NS}/OrgUnits/OSL", token).json()["Data"]

    assert "OrgUnitParents" not in data and "ChildOrgUnits" not in data


def test_an_org_move_is_effective_dated_and_a_rename_stamped(sandbox, dayforce, token):
    before = dayforce.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    dayforce.clock.advance(86400 * 2)
    dayforce.change("org_move", "OSL-SAL", parent="BGO")
    renaming = dayforce.now()
    dayforce.change("org_rename", "OSL-SAL", short_name="Bergen Sales", long_name="Bergen Sales")
    renamed = dayforce.now()

    moved = org_unit(sandbox, token_for(sandbox), "OSL-SAL")
    assert parents(moved) == ["BGO"] and moved["LongName"] == "Bergen Sales"
    # The sandbox clock runs on in real time: the stamp is the rename's second, not necessarily now's.
    stamp = datetime.strptime(moved["LastModifiedTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert renaming.replace(microsecond=0) <= stamp <= renamed
    assert parents(org_unit(sandbox, token_for(sandbox), "OSL-SAL", contextDate=before)) == ["OSL"]


def test_a_test_switch_seeds_a_cycle_and_an_orphan(sandbox, dayforce, token):
    dayforce.seed(org_anomalies=True)

    assert parents(org_unit(sandbox, token, "CYC-A")) == ["CYC-B"]
    assert parents(org_unit(sandbox, token, "CYC-B")) == ["CYC-A"]
    assert parents(org_unit(sandbox, token, "ORPHAN")) == ["GONE"]
    gone = get(sandbox, f"{NS}/OrgUnits/GONE", token)
    # The spec gives OrgUnits a bare array of ProcessResult as its 400 body.
    assert gone.status_code == 400 and gone.json()[0]["Context"] == "XrefCode"


@pytest.mark.parametrize("missing", ["filterPaySummaryStartDate", "filterPaySummaryEndDate"])
def test_pay_summaries_require_both_dates(sandbox, token, missing):
    params = {k: v for k, v in SEP_TO_NOV.items() if k != missing}

    response = get(sandbox, f"{NS}/EmployeePaySummaries", token, **params)

    assert response.status_code == 400
    assert response.json()["ProcessResults"][0]["Context"] == missing


def test_pay_summaries_page_through_absolute_next_links_with_a_cursor(sandbox, token):
    everything = get(sandbox, f"{NS}/EmployeePaySummaries", token, **SEP_TO_NOV).json()

    lines, links = all_pages(sandbox, token, pageSize=25, **SEP_TO_NOV)

    assert everything["Paging"]["Next"] == "" and len(everything["Data"]) > 25
    assert lines == everything["Data"]
    assert len(links) == -(-len(lines) // 25) and links[-1] == ""
    for link in links[:-1]:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == sandbox.url
        assert parts.path == f"/dayforce{NS}/EmployeePaySummaries" and set(parse_qs(parts.query)) == {"cursor"}


def test_pay_runs_come_from_several_pay_groups_with_retro_lines(sandbox, token):
    hourly = get(sandbox, f"{NS}/EmployeePaySummaries", token, payGroupXRefCode="NO-BIWEEKLY", **SEP_TO_NOV).json()
    monthly = get(sandbox, f"{NS}/EmployeePaySummaries", token, payGroupXRefCode="NO-MONTHLY", **SEP_TO_NOV).json()

    assert {line["EmployeeXRefCode"] for line in hourly["Data"]} == {"42104", "42107", "42110"}
    assert {line["PayExportId"] for line in hourly["Data"]} == set(range(9004, 9011))  # seven bi-weekly runs
    assert {line["PayCategoryXRefCode"] for line in hourly["Data"]} == {"Regular", "Overtime"}
    retro, = [line for line in monthly["Data"] if line["PayCategoryXRefCode"] == "Retro"]
    # Donald's back-dated raise (660,000 → 690,000 from September) is paid in October.
    assert retro["EmployeeXRefCode"] == "42105" and retro["PayAmount"] == 2500.0
    assert retro["PayDate"] == "2026-10-25T00:00:00Z"
    assert "42111" not in {line["EmployeeXRefCode"] for line in monthly["Data"]}  # left in 2025


def test_a_corrected_pay_run_is_re_exported_with_changed_lines(sandbox, dayforce, token):
    october = {"filterPaySummaryStartDate": "2026-10-25T00:00:00Z", "filterPaySummaryEndDate": "2026-10-25T23:59:59Z",
               "payGroupXRefCode": "NO-MONTHLY"}
    before = get(sandbox, f"{NS}/EmployeePaySummaries", token, **october).json()["Data"]

    dayforce.change("pay_run_correct", "NO-MONTHLY", datetime(2026, 10, 25, tzinfo=timezone.utc),
                    employee="42101", pay_code="SAL", amount=70_000)
    after = get(sandbox, f"{NS}/EmployeePaySummaries", token, **october).json()["Data"]

    assert {line["PayExportId"] for line in before} == {9002}
    assert {line["PayExportId"] for line in after} == {9011}
    changed = [(b["PayAmount"], a["PayAmount"]) for b, a in zip(before, after) if b["PayAmount"] != a["PayAmount"]]
    assert changed == [(65_000.0, 70_000.0)]


def test_a_role_without_the_pay_data_feature_reads_people_but_not_pay(sandbox):
    from sandbox.vendors.dayforce import NO_PAY_DATA_USERNAME

    hr_only = token_for(sandbox, NO_PAY_DATA_USERNAME)

    assert get(sandbox, f"{NS}/Employees", hr_only).status_code == 200
    assert get(sandbox, f"{NS}/OrgUnits", hr_only).status_code == 200
    refused = get(sandbox, f"{NS}/EmployeePaySummaries", hr_only, **SEP_TO_NOV)
    assert refused.status_code == 403 and refused.json()["ProcessResults"][0]["Message"] == "User does not have access."
    assert get(sandbox, f"{NS}/EmployeePaySummaries", token_for(sandbox), **SEP_TO_NOV).status_code == 200
