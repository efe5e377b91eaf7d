"""Accounting dimensions and compensation → the Visma employee's cost allocation (SUBACCOUNT segments),
and termination/rehire, over real HTTP against both sandboxes."""
from sandbox.vendors.rippling import LEVELS, TEAMS
from syncs.flows.rippling_visma.dimensions import segment_map
from syncs.models import PendingRecord, SyncRun, ValueMapping
from syncs.services import integration_update, value_mapping_set
from tests.e2e.test_rippling_visma import departments, employee_of, map_all_departments, run, workers

SEGMENTS = {"1": "department", "2": "compensation"}


def allocation(integration, visma, user_id):
    return {s["segmentId"]: s["segmentValue"] for s in employee_of(integration, visma, user_id).get("subaccount", [])}


def test_a_department_segment_value_is_held_until_mapped_then_released(
        integration, rippling, visma, eager_tasks, django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    integration_update(integration=integration, options={**integration.options, "subaccount_segments": SEGMENTS})
    engineering, people, platform = departments(rippling)
    for department, value in ((engineering, "40"), (people, "10")):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(1),
                                    source_value=department["id"], target_value=value)
    in_platform = [w for w in workers(rippling) if w["department_id"] == platform["id"]]

    first = run(integration)

    assert first.status == SyncRun.Status.PARTIAL and first.held == len(in_platform)
    held = PendingRecord.objects.get(integration=integration, source_id=in_platform[0]["user_id"])
    assert held.missing_key == f"{segment_map(1)}:{platform['id']}" and "department 'Platform'" in held.reason
    office = next(w for w in workers(rippling) if w["department_id"] == engineering["id"])
    assert allocation(integration, visma, office["user_id"]) == {1: "40"}

    with django_capture_on_commit_callbacks(execute=True):
        value_mapping_set(integration=integration, map_name=segment_map(1), source_value=platform["id"],
                          target_value="30")
    assert allocation(integration, visma, in_platform[0]["user_id"]) == {1: "30"}


def test_a_compensation_change_moves_the_cost_allocation(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    integration_update(integration=integration, options={**integration.options, "subaccount_segments": SEGMENTS})
    for department in departments(rippling):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(1),
                                    source_value=department["id"], target_value="40")
    for payment_type, cost_centre in (("SALARY", "1000"), ("HOURLY", "1100")):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(2),
                                    source_value=payment_type, target_value=cost_centre)
    worker = workers(rippling)[1]
    rippling.set_compensation(worker["id"], payment_type="SALARY", annual_salary=120000)
    run(integration)
    assert allocation(integration, visma, worker["user_id"]) == {1: "40", 2: "1000"}

    sandbox.app.clock.advance(60)
    rippling.set_compensation(worker["id"], payment_type="HOURLY")
    changed = run(integration)

    assert changed.updated == 1
    assert allocation(integration, visma, worker["user_id"]) == {1: "40", 2: "1100"}

    sandbox.app.clock.advance(60)
    rippling.set_compensation(worker["id"], payment_type="COMMISSION")  # nobody mapped this one yet
    unmapped = run(integration)
    held = PendingRecord.objects.get(integration=integration, source_id=worker["user_id"])
    assert unmapped.held == 1 and "compensation 'COMMISSION'" in held.reason


def employee_posts(sandbox):
    return sandbox.app.log.filter(vendor="visma", method="POST", path_contains="v1/employee", status=201)


def test_a_segment_value_visma_does_not_have_is_held_in_vismas_words_then_released_by_the_mapping(
        integration, rippling, visma, sandbox, eager_tasks, django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    integration_update(integration=integration, options={**integration.options, "subaccount_segments": {"1": "department"}})
    engineering, people, platform = departments(rippling)
    for department in (engineering, people):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(1),
                                    source_value=department["id"], target_value="40")
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(1),
                                source_value=platform["id"], target_value="99")  # a typo: Visma has no 99
    in_platform = [w for w in workers(rippling) if w["department_id"] == platform["id"]]

    result = run(integration)

    held = PendingRecord.objects.get(integration=integration, source_id=in_platform[0]["user_id"])
    assert result.failed == 0 and result.held == len(in_platform), (result.failed, result.held)
    assert held.status == PendingRecord.Status.HELD and held.missing_key == f"{segment_map(1)}:{platform['id']}"
    assert "'99' is not a value of SUBACCOUNT segment 1" in held.reason and held.error_status == 400
    written = len(employee_posts(sandbox))

    with django_capture_on_commit_callbacks(execute=True):
        value_mapping_set(integration=integration, map_name=segment_map(1), source_value=platform["id"],
                          target_value="30")

    held.refresh_from_db()
    assert held.status == PendingRecord.Status.RESOLVED
    assert allocation(integration, visma, in_platform[0]["user_id"]) == {1: "30"}
    assert len(employee_posts(sandbox)) == written + len(in_platform)  # each written once
    assert run(integration).created == 0 and len(employee_posts(sandbox)) == written + len(in_platform)


def test_a_value_added_in_visma_later_releases_the_held_worker_on_the_next_run(integration, rippling, visma,
                                                                              sandbox):
    map_all_departments(integration, rippling)
    integration_update(integration=integration, options={**integration.options, "subaccount_segments": {"1": "department"}})
    for department in departments(rippling):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=segment_map(1),
                                    source_value=department["id"], target_value="77")
    first = run(integration)
    assert first.held == len(workers(rippling)) and first.failed == 0 and not employee_posts(sandbox)

    visma.data.values_of("SUBACCOUNT", 1)["77"] = {"valueId": "77", "description": "New cost centre",
                                                   "active": True}
    second = run(integration)

    assert second.created == len(workers(rippling)) and second.held == 0
    assert not PendingRecord.objects.filter(integration=integration).exclude(status=PendingRecord.Status.RESOLVED)
    assert len(employee_posts(sandbox)) == len(workers(rippling))
    assert allocation(integration, visma, workers(rippling)[0]["user_id"]) == {1: "77"}


def test_termination_sets_inactive_and_a_rehire_reactivates_the_same_employee(integration, rippling, visma,
                                                                              sandbox):
    map_all_departments(integration, rippling)
    run(integration)
    worker = workers(rippling)[1]
    before = len(list(visma.data.tables["employees"].ordered()[0]))

    sandbox.app.clock.advance(60)
    rippling.terminate(worker["id"], "2026-11-30", "Moved abroad")
    assert run(integration).updated == 1
    assert employee_of(integration, visma, worker["user_id"])["status"] == "Inactive"

    sandbox.app.clock.advance(60)
    rippling.rehire(worker["id"], "2026-12-01")  # the same worker record comes back
    assert run(integration).updated == 1
    assert employee_of(integration, visma, worker["user_id"])["status"] == "Active"
    assert len(list(visma.data.tables["employees"].ordered()[0])) == before


def test_the_wizard_offers_rippling_teams_and_levels_against_the_segments_real_values(integration, rippling, visma):
    from syncs.engine.read import flow_context
    from syncs.flows.rippling_visma import mapping_choices

    integration_update(integration=integration, options={**integration.options,
                                                         "subaccount_segments": {"1": "team", "2": "level"}})
    integration.refresh_from_db()

    maps = {m.map_name: m for m in mapping_choices(flow_context(integration=integration)).value_maps}

    assert maps[segment_map(1)].source_values == [(TEAMS["platform"], "Platform team"),
                                                  (TEAMS["payroll"], "Payroll team")]
    assert maps[segment_map(2)].source_values == [(LEVELS["ic2"], "IC2"), (LEVELS["manager"], "Manager")]
    assert maps[segment_map(1)].target_values and maps[segment_map(2)].target_values  # Visma's own segment values


def test_a_workers_team_and_level_become_its_cost_allocation(integration, rippling, visma):
    map_all_departments(integration, rippling)
    integration_update(integration=integration, options={**integration.options,
                                                         "subaccount_segments": {"1": "team", "2": "level"}})
    for map_name, source, target in ((segment_map(1), TEAMS["payroll"], "30"),
                                     (segment_map(2), LEVELS["manager"], "1100")):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=map_name,
                                    source_value=source, target_value=target)
    worker = workers(rippling)[0]
    rippling.update_worker(worker["id"], teams_id=[TEAMS["payroll"]], level_id=LEVELS["manager"])

    run(integration)

    assert allocation(integration, visma, worker["user_id"]) == {1: "30", 2: "1100"}
