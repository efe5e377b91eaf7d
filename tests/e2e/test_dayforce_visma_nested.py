"""Dayforce → Visma.net in nested hierarchy mode, end to end over real HTTP to both sandboxes.

The company's subaccount keeps the hierarchy: segment 1 the department, then one segment per org level
(Region · Site · Department). An employee and a journal line name their org unit with its parents."""
import pytest

from audit.models import AuditRecord
from drift.models import DriftItem, DriftReport
from drift.services import drift_report_create, drift_report_run
from syncs.models import SyncRun
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401 (autouse)
from tests.e2e.test_dayforce_visma_journals import by_description, journal_integration, journals, run
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.dayforce_nested import (
    BERGEN, BERGEN_OPS, FRANCES, KEN, LEVELS, NORTH, OSLO, OSLO_ENG, OSLO_SALES, WEST, allocation, nested_integration,
)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, dayforce, visma):
    return nested_integration(tenant_a, make_sandbox_connection, visma)


def subaccounts(journal) -> set[str]:
    return {line["subaccount"]["subaccountNumber"] for line in journal["journalTransactionLines"]}


def test_the_initial_load_names_every_unit_with_its_parents(integration, visma):
    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert {v: d["description"] for v, d in visma.data.values_of("SUBACCOUNT", 2).items()} == {
        NORTH: "North", WEST: "West"}
    assert visma.data.values_of("SUBACCOUNT", 4)[OSLO_ENG]["description"] == "Oslo Eng"
    assert allocation(integration, visma, "42100") == [NORTH, OSLO, OSLO_ENG]  # Ada, Oslo Engineering
    assert allocation(integration, visma, FRANCES) == [NORTH, OSLO, OSLO_SALES]
    november = by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"]
    assert len(november) == 1 and november[0]["debitTotal"] == november[0]["creditTotal"] > 0
    assert {f"40-{NORTH}-{OSLO}-{OSLO_ENG}", f"20-{NORTH}-{OSLO}-{OSLO_SALES}"} <= subaccounts(november[0])


def test_a_move_gives_the_units_people_and_later_journals_the_new_parents(integration, dayforce, visma):
    run(integration)
    posted = len(journals(visma))

    dayforce.change("org_move", "OSL-SAL", parent="BGO")
    integration.options = {**integration.options, "pay_dates_from": "2026-10-01"}  # October is posted now
    integration.save()
    moved = run(integration)

    assert moved.status == SyncRun.Status.SUCCEEDED, moved.error
    updates = AuditRecord.objects.filter(run=moved, action=AuditRecord.Action.UPDATE)
    assert sorted((a.stream, a.source_ref) for a in updates) == [
        ("employees", FRANCES), ("employees", KEN), ("org_units", "OSL-SAL")]
    assert allocation(integration, visma, FRANCES) == allocation(integration, visma, KEN) == [
        WEST, BERGEN, OSLO_SALES]
    assert allocation(integration, visma, "42100") == [NORTH, OSLO, OSLO_ENG]  # not under the moved unit
    found = by_description(visma)
    # November was posted on the old hierarchy and stays so: nothing reversed, nothing reposted.
    assert len(found["Dayforce pay run NO-MONTHLY 2026-11-25"]) == 1
    assert not [j for j in journals(visma) if j["description"].startswith("Reversal")]
    october = found["Dayforce pay run NO-MONTHLY 2026-10-25"][0]
    assert f"20-{WEST}-{BERGEN}-{OSLO_SALES}" in subaccounts(october)
    assert f"20-{NORTH}-{OSLO}-{OSLO_SALES}" not in subaccounts(october)
    assert len(journals(visma)) == posted + 4  # October's monthly and three bi-weekly runs

    again = run(integration)
    assert (again.created, again.updated) == (0, 0) and len(journals(visma)) == posted + 4

    # The drift report compares each pay run with the journal as posted: on the hierarchy it was posted with.
    report = drift_report_run(report=drift_report_create(integration=integration))
    assert report.status == DriftReport.Status.DONE, report.error_message
    assert not DriftItem.objects.filter(report=report, stream="pay_runs").exists()


def test_a_rename_changes_the_value_only(integration, dayforce, visma):
    run(integration)

    dayforce.change("org_rename", "OSL", short_name="Oslo HQ")
    renamed = run(integration)

    assert renamed.status == SyncRun.Status.SUCCEEDED, renamed.error
    assert (renamed.created, renamed.updated) == (0, 1)  # the value; the combinations are the same ids
    assert visma.data.values_of("SUBACCOUNT", 3)[OSLO]["description"] == "Oslo HQ"
    assert allocation(integration, visma, FRANCES) == [NORTH, OSLO, OSLO_SALES]


def test_an_employee_transfer_moves_their_allocation(integration, dayforce, visma):
    run(integration)

    dayforce.change("transfer", FRANCES, org_unit="BGO-OPS", department="OPS")
    moved = run(integration)

    assert moved.status == SyncRun.Status.SUCCEEDED, moved.error
    assert moved.updated == 1
    assert allocation(integration, visma, FRANCES) == [WEST, BERGEN, BERGEN_OPS]


def test_the_wizard_offers_the_values_of_every_level_segment(integration):
    from syncs.engine import flow_context
    from syncs.flows.dayforce_visma import COST_CENTER_MAP, mapping_choices

    run(integration)

    maps = {m.map_name: m for m in mapping_choices(flow_context(integration=integration)).value_maps}
    assert {(NORTH, f"{NORTH} – North"), (OSLO, f"{OSLO} – Oslo"), (OSLO_ENG, f"{OSLO_ENG} – Oslo Eng")} <= set(
        maps[COST_CENTER_MAP].target_values)


def test_switching_to_nested_leaves_the_journals_posted_flattened_alone(tenant_a, make_sandbox_connection, dayforce,
                                                                        visma):
    flattened = journal_integration(tenant_a, make_sandbox_connection, name="Switch", pay_dates_from="2026-11-01")
    flattened.streams = ["org_units", "pay_runs"]
    flattened.save(update_fields=["streams"])
    run(flattened)
    posted = len(journals(visma))
    assert "40-5007" in subaccounts(by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"][0])

    # The company restructures its subaccount by level and the integration follows; October is read too.
    visma.dimension_add("SUBACCOUNT", {1: ("Department", 2), 2: ("Region", 4), 3: ("Site", 4), 4: ("Unit", 4)},
                        values={1: {"10": "Administration", "20": "Sales", "30": "Operations", "40": "IT"}})
    flattened.options = {**flattened.options, "hierarchy_mode": "nested", "nested_segments": LEVELS,
                         "pay_dates_from": "2026-10-01"}
    flattened.save(update_fields=["options"])
    switched = run(flattened)

    assert switched.status == SyncRun.Status.SUCCEEDED, switched.error
    assert not [j for j in journals(visma) if j["description"].startswith("Reversal")]
    assert len(by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"]) == 1
    assert len(journals(visma)) == posted + 4  # October, on the nested subaccount
    october = by_description(visma)["Dayforce pay run NO-MONTHLY 2026-10-25"][0]
    assert f"40-{NORTH}-{OSLO}-{OSLO_ENG}" in subaccounts(october)
