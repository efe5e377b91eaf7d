"""Rippling work locations → the Visma employee's location (a LOCATION dimension value), over real HTTP."""
from sandbox.vendors.rippling import REMOTE_LOCATION_ID, WORK_LOCATION_ID
from syncs.flows.rippling_visma import LOCATION_MAP
from syncs.models import PendingRecord, SyncRun, ValueMapping
from syncs.services import value_mapping_set
from tests.e2e.test_rippling_visma import employee_of, map_all_departments, run, workers


def test_an_unmapped_work_location_is_held_then_released_and_a_move_reaches_visma(
        integration, rippling, visma, sandbox, eager_tasks, django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=LOCATION_MAP,
                                source_value=WORK_LOCATION_ID, target_value="HQ")
    remote = [w for w in workers(rippling) if w["location"]["work_location_id"] == REMOTE_LOCATION_ID]
    office = [w for w in workers(rippling) if w["location"]["work_location_id"] == WORK_LOCATION_ID]
    assert remote and office

    first = run(integration)

    assert first.status == SyncRun.Status.PARTIAL and first.held == len(remote)
    held = PendingRecord.objects.get(integration=integration, source_id=remote[0]["user_id"])
    assert held.missing_key == f"{LOCATION_MAP}:{REMOTE_LOCATION_ID}" and "work location 'Remote (US)'" in held.reason
    assert employee_of(integration, visma, office[0]["user_id"])["location"] == {"id": "HQ",
                                                                                "description": "Head office"}

    with django_capture_on_commit_callbacks(execute=True):
        value_mapping_set(integration=integration, map_name=LOCATION_MAP, source_value=REMOTE_LOCATION_ID,
                          target_value="REMOTE")
    assert employee_of(integration, visma, remote[0]["user_id"])["location"]["id"] == "REMOTE"
    assert not PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD).exists()

    sandbox.app.clock.advance(60)
    rippling.update_worker(office[0]["id"], location={"type": "REMOTE", "work_location_id": REMOTE_LOCATION_ID})
    moved = run(integration)

    assert moved.updated == 1
    assert employee_of(integration, visma, office[0]["user_id"])["location"] == {"id": "REMOTE",
                                                                                "description": "Remote"}


def test_a_location_visma_does_not_have_is_held_in_vismas_words_until_remapped(
        integration, rippling, visma, eager_tasks, django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=LOCATION_MAP,
                                source_value=WORK_LOCATION_ID, target_value="MARS")
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=LOCATION_MAP,
                                source_value=REMOTE_LOCATION_ID, target_value="REMOTE")

    result = run(integration)

    office = [w for w in workers(rippling) if w["location"]["work_location_id"] == WORK_LOCATION_ID]
    refused = PendingRecord.objects.get(integration=integration, source_id=office[0]["user_id"])
    assert "Location 'MARS' does not exist in dimension LOCATION" in refused.reason
    assert refused.status == PendingRecord.Status.HELD and refused.missing_key == f"{LOCATION_MAP}:{WORK_LOCATION_ID}"
    assert result.held == len(office) and result.failed == 0

    with django_capture_on_commit_callbacks(execute=True):
        value_mapping_set(integration=integration, map_name=LOCATION_MAP, source_value=WORK_LOCATION_ID,
                          target_value="REMOTE")
    assert employee_of(integration, visma, office[0]["user_id"])["location"]["id"] == "REMOTE"
