"""Dayforce → Visma.net (employees and org units) end to end, over real HTTP to both sandboxes."""
from datetime import timedelta

import pytest

from connections.services import connection_test
from connections.vendors.dayforce.client import DayforceClient
from sandbox.vendors.dayforce import RESTRICTED_USERNAME
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.dayforce_visma import COST_CENTER_MAP, DEPARTMENT_MAP
from syncs.models import IdMap, PendingRecord, SyncRun, ValueMapping
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

DEPARTMENTS = {"ENG": "IT", "SAL": "SALES", "FIN": "FIN", "OPS": "OPS"}
ORG_UNITS = ["CORP", "NORTH", "WEST", "OSL", "TRD", "BGO", "SVG", "OSL-ENG", "OSL-SAL", "TRD-ENG", "BGO-FIN",
             "BGO-OPS", "SVG-OPS"]


@pytest.fixture(autouse=True)
def per_second_limit_only(monkeypatch):
    # The per-minute budget is kept per connection in a bucket shared by every test of the session (the
    # same connection ids come back), so later tests would wait for earlier ones' calls. The client
    # tests prove both limits; here runs keep Dayforce's 10 a second.
    monkeypatch.setattr(DayforceClient, "rate_limits", ((10, 1.0),))


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, dayforce, visma):
    from syncs.services import integration_create

    source = make_sandbox_connection("dayforce", tenant=tenant_a, name="Dayforce")
    assert connection_test(connection=source).ok  # discovers and keeps the services host
    source.refresh_from_db()
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    integration = integration_create(tenant=tenant_a, name="HCM → ERP", flow_kind="dayforce_visma", source=source,
                                     destination=destination, options={"page_size": 5})
    for source_value, target in DEPARTMENTS.items():
        ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=DEPARTMENT_MAP,
                                    source_value=source_value, target_value=target)
    for number, xref in enumerate(ORG_UNITS):
        ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=COST_CENTER_MAP,
                                    source_value=xref, target_value=str(5000 + number))
    return integration


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def employee(integration, visma, xref):
    target = IdMap.objects.get(integration=integration, stream="employees", source_id=xref).target_id
    return visma.record("employee", target)


def cost_centres(visma) -> dict[str, str]:
    """The cost-centre values the flow wrote (the mapping uses 5000–5012; Visma's seeded ones differ)."""
    return {value_id: value["description"] for value_id, value in visma.data.values_of("SUBACCOUNT", 2).items()
            if value_id.startswith("50")}


def quarantined(integration) -> dict[str, str]:
    return {p.source_id: p.reason for p in PendingRecord.objects.filter(
        integration=integration, status=PendingRecord.Status.QUARANTINED)}


def test_initial_load_then_a_delta_writes_only_the_changed_employee(integration, dayforce, visma, sandbox):
    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert first.created == 12 + 13
    ada = employee(integration, visma, "42100")
    assert ada["contact"]["email"] == "ada.lovelace@northwind.example" and ada["department"] == "IT"
    assert employee(integration, visma, "42111")["status"] == "Inactive"  # left in 2025
    assert cost_centres(visma)["5007"] == "Northwind / North / Oslo / Oslo Eng"

    dayforce.change("edit", "42101", LastName="Turing-Smith")
    dayforce.change("touch_hidden", "42102")  # found by the search, but nothing Visma shows changed
    sandbox.app.log.clear()
    delta = run(integration)

    assert delta.status == SyncRun.Status.SUCCEEDED, delta.error
    assert (delta.created, delta.updated) == (0, 1)
    assert employee(integration, visma, "42101")["contact"]["lastName"] == "Turing-Smith"
    search = [e for e in sandbox.app.log.filter(vendor="dayforce", method="GET") if e.path.endswith("/Employees")]
    assert set(search[0].query) == {"filterUpdatedStartDate", "filterUpdatedEndDate"}
    details = sandbox.app.log.filter(vendor="dayforce", method="GET", path_contains="/Employees/")
    assert sorted(e.path.rsplit("/", 1)[-1] for e in details) == ["42101", "42102"]


def test_termination_and_rehire_are_one_visma_employee(integration, dayforce, visma):
    run(integration)

    # The last day was the day before yesterday: as of today Dayforce shows the termination.
    dayforce.change("terminate", "42101", last_day=dayforce.now() - timedelta(days=2))
    terminated = run(integration)
    assert terminated.updated == 1 and employee(integration, visma, "42101")["status"] == "Inactive"

    dayforce.change("rehire", "42101")
    rehired = run(integration)
    assert rehired.updated == 1 and employee(integration, visma, "42101")["status"] == "Active"
    assert len(visma.data.tables["employees"].ordered()[0]) == 12


def test_a_transfer_moves_the_department(integration, dayforce, visma):
    run(integration)

    dayforce.change("transfer", "42106", org_unit="BGO-OPS", department="OPS")
    moved = run(integration)

    assert moved.updated == 1 and employee(integration, visma, "42106")["department"] == "OPS"


def test_an_org_move_and_a_rename_update_the_cost_centre_path(integration, dayforce, visma):
    run(integration)

    dayforce.change("org_move", "OSL-SAL", parent="BGO")
    dayforce.change("org_rename", "OSL-SAL", short_name="Bergen Sales")
    moved = run(integration)

    assert moved.status == SyncRun.Status.SUCCEEDED, moved.error
    assert moved.updated == 1
    assert cost_centres(visma)["5008"] == "Northwind / West / Bergen / Bergen Sales"


def test_a_cycle_and_an_orphan_are_quarantined_and_the_run_finishes(integration, dayforce, visma):
    dayforce.seed(org_anomalies=True)

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL, result.error  # finished, with records set aside
    reasons = quarantined(integration)
    assert "cycle" in reasons["CYC-A"] and "CYC-A → CYC-B → CYC-A" in reasons["CYC-A"]
    assert "'GONE' that does not exist" in reasons["ORPHAN"]
    assert len(cost_centres(visma)) == 13 and len(visma.data.tables["employees"].ordered()[0]) == 12


def test_a_malformed_employee_is_quarantined_while_the_run_finishes(integration, dayforce, visma):
    dayforce.change("corrupt", "42105")

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL, result.error
    assert "no work assignment" in quarantined(integration)["42105"]
    assert len(visma.data.tables["employees"].ordered()[0]) == 11


def test_a_401_mid_run_is_recovered(integration, dayforce, sandbox):
    dayforce.faults.revoke_tokens_after = 8

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert result.created == 25
    assert 401 in [e.status for e in sandbox.app.log.filter(vendor="dayforce", method="GET")]


def test_a_403_is_reported_with_the_permission_name(integration):
    source = integration.source
    source.credentials = {**source.credentials, "username": RESTRICTED_USERNAME}
    source.save()

    result = run(integration)

    assert result.status == SyncRun.Status.FAILED
    assert (result.error_class, result.error_vendor, result.error_status) == ("VendorPermissionError", "Dayforce", 403)
    assert "HCM Anywhere > Web Services > Read Data" in result.error_hint
    assert f"User '{RESTRICTED_USERNAME}'" in result.error_hint


def test_the_wizard_offers_both_sides_real_values(integration):
    from syncs.engine import flow_context
    from syncs.flows.dayforce_visma import mapping_choices

    integration.options = {**integration.options, "pay_dates_from": "2026-09-01"}  # the seeded pay runs
    integration.save()
    maps = {m.map_name: m for m in mapping_choices(flow_context(integration=integration)).value_maps}
    departments, org_units = maps[DEPARTMENT_MAP], maps[COST_CENTER_MAP]

    assert ("ENG", "Engineering") in departments.source_values and ("IT", "IT – IT") in departments.target_values
    assert ("OSL-ENG", "Northwind / North / Oslo / Oslo Eng") in org_units.source_values
    assert ("1000", "1000 – Oslo") in org_units.target_values
    # The journal's mappings: Dayforce's pay codes and categories from its recent pay runs, Visma's GL accounts
    # and the subaccount's department segment.
    pay_codes = maps["pay_code_to_gl_account"]
    assert {"REG", "SAL", "OT150"} <= {value for value, _ in pay_codes.source_values}
    assert ("7010", "7010 – Salaries") in pay_codes.target_values
    assert ("Retro", "Retro") in maps["pay_category_to_gl_account"].source_values
    assert ("40", "40 – IT") in maps["department_to_subaccount_department"].target_values


def test_nested_mode_writes_each_level_to_its_own_segment(integration, dayforce, visma):
    from audit.models import AuditRecord

    visma.dimension_add("ORGUNIT", {1: ("Region", 4), 2: ("Site", 4), 3: ("Department", 4)})
    integration.options = {**integration.options, "hierarchy_mode": "nested", "nested_dimension": "ORGUNIT",
                           "nested_segments": {"Region": 1, "Site": 2, "Department": 3}}
    integration.streams = ["org_units"]
    integration.save()

    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    levels = {segment: {value_id: v["description"] for value_id, v in visma.data.values_of("ORGUNIT", segment).items()}
              for segment in (1, 2, 3)}
    assert levels[1] == {"5001": "North", "5002": "West"}
    assert set(levels[2]) == {"5003", "5004", "5005", "5006"} and levels[2]["5005"] == "Bergen"
    assert levels[3]["5007"] == "Oslo Eng" and len(levels[3]) == 6  # the unit's own name: its parents are segments
    assert "5000" not in {v for values in levels.values() for v in values}  # Corporate has no segment
    assert AuditRecord.objects.filter(run=first, reason__contains="level(s) CORPORATE are not written").exists()
    assert not cost_centres(visma)  # nothing written to the flattened cost-centre segment

    dayforce.change("org_rename", "OSL-SAL", short_name="Oslo Sales & Marketing")
    renamed = run(integration)
    assert renamed.updated == 1 and visma.data.values_of("ORGUNIT", 3)["5008"]["description"] == "Oslo Sales & Marketing"
