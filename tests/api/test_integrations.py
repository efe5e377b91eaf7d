"""Integrations over the API: validation, health, schedules, running now, and mappings."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from syncs.models import FieldMapping, Integration, PendingRecord, SyncRun, ValueMapping
from tests.factories import ConnectionFactory


@pytest.fixture
def api(client_for, owner):
    return client_for(owner)


def url(tenant, name="integrations", **kwargs):
    return reverse(f"api:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


def test_it_creates_an_integration_with_its_schedule(api, objects):
    response = api.post(url(objects.tenant), {
        "name": "HR 2", "flow_kind": "rippling_visma", "source": objects.source.pk,
        "destination": objects.destination.pk, "streams": ["employees", "employees"], "cron": "0 6 * * 1-5",
        "enabled": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["flow_label"] == "Rippling → Visma.net"
    assert body["source"] == {"id": objects.source.pk, "name": "Rippling A", "kind": "rippling"}
    assert body["streams"] == ["employees"]
    health = body["health"]
    assert {k: health[k] for k in ("last_run_id", "last_run_status", "last_run_queued_at", "last_run_finished_at",
                                   "held", "failed")} == {"last_run_id": None, "last_run_status": None,
                                                          "last_run_queued_at": None, "last_run_finished_at": None,
                                                          "held": 0, "failed": 0}
    assert (health["badge"], health["label"]) == ("attention", "Connection not tested")  # never tested, never run
    task = Integration.objects.get(pk=body["id"]).periodic_task
    assert task.enabled and task.crontab.hour == "6"


@pytest.mark.parametrize("change, field, message", [
    ({"flow_kind": "sap_visma"}, "flow_kind", '"sap_visma" is not a valid choice.'),
    ({"streams": ["payroll"]}, "streams", "rippling_visma has no stream(s) payroll; it has departments, employees."),
    ({"cron": "every morning"}, "cron", "A crontab has 5 fields: minute hour day-of-month month day-of-week."),
    ({"cron": "99 * * * *"}, "cron", "'99', not in 0-59 for Minutes"),
    ({"cron": "0 6 * * *", "every_minutes": 30}, "cron", "Choose either every_minutes or a crontab, not both."),
    ({"every_minutes": 0}, "every_minutes", "Ensure this value is greater than or equal to 1."),
    ({"name": "HR A"}, "name", "An integration with this name exists already."),
    ({"options": [1, 2]}, "options", "Expected a JSON object."),
    ({"options": {"note": "a\u0000b"}}, "options", "Null characters are not allowed."),
    ({"source": 2**70}, "source", f"No connection {2**70} in this tenant."),
    ({"source": "one"}, "source", "A valid integer is required."),
])
def test_it_validates_a_new_integration(api, objects, change, field, message):
    data = {"name": "HR 2", "flow_kind": "rippling_visma", "source": objects.source.pk,
            "destination": objects.destination.pk, **change}
    response = api.post(url(objects.tenant), data)
    assert response.status_code == 400, response.content
    assert message in response.json()[field]
    assert not Integration.objects.filter(name="HR 2").exists()


def test_it_refuses_connections_of_the_wrong_vendor(api, objects):
    response = api.post(url(objects.tenant), {"name": "HR 2", "flow_kind": "rippling_visma",
                                              "source": objects.destination.pk, "destination": objects.source.pk})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "Rippling → Visma.net needs a rippling source connection, not visma."]


def test_the_health_counts_held_and_failed_records_and_the_last_run(api, objects):
    PendingRecord.objects.create(tenant=objects.tenant, integration=objects.integration, stream="teams",
                                 source_id="X", status=PendingRecord.Status.QUARANTINED, reason="no id")
    PendingRecord.objects.create(tenant=objects.tenant, integration=objects.integration, stream="teams",
                                 source_id="Y", status=PendingRecord.Status.RESOLVED)
    later = SyncRun.objects.create(tenant=objects.tenant, integration=objects.integration,
                                   status=SyncRun.Status.SUCCEEDED)
    body = api.get(url(objects.tenant, "integration", pk=objects.integration.pk)).json()
    assert body["health"]["held"] == 1
    assert body["health"]["failed"] == 2  # failed + quarantined
    assert body["health"]["last_run_id"] == later.pk
    assert body["health"]["last_run_status"] == "succeeded"
    listed = api.get(url(objects.tenant)).json()["results"]
    assert listed[0]["health"] == body["health"]


def test_an_update_changes_the_schedule_too(api, objects):
    response = api.patch(url(objects.tenant, "integration", pk=objects.integration.pk),
                         {"enabled": True, "every_minutes": None, "cron": "30 5 * * *", "streams": ["teams"]})
    assert response.status_code == 200, response.content
    assert response.json()["cron"] == "30 5 * * *"
    task = PeriodicTask.objects.get(integration=objects.integration)
    assert task.enabled and task.crontab.minute == "30" and task.interval is None


def test_an_update_refuses_a_second_schedule_and_foreign_connections(api, objects):
    target = url(objects.tenant, "integration", pk=objects.integration.pk)
    response = api.patch(target, {"cron": "0 6 * * *"})  # every_minutes=30 is already set
    assert response.status_code == 400
    response = api.patch(target, {"source": objects.b_connection.pk})
    assert response.status_code == 400
    assert response.json()["source"] == [f"No connection {objects.b_connection.pk} in this tenant."]
    objects.integration.refresh_from_db()
    assert objects.integration.source_id == objects.source.pk and objects.integration.cron == ""


def test_delete_removes_the_schedule(api, objects):
    task_id = objects.integration.periodic_task_id
    assert api.delete(url(objects.tenant, "integration", pk=objects.integration.pk)).status_code == 204
    assert not Integration.objects.filter(pk=objects.integration.pk).exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_run_now_queues_a_run_after_commit(api, objects, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = api.post(url(objects.tenant, "integration-run", pk=objects.integration.pk) + "?dry_run=true")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["trigger"] == "manual" and body["dry_run"] is True
    assert len(queued) == 1
    assert SyncRun.objects.get(pk=body["id"]).dry_run


def test_run_now_refuses_a_nonsense_flag(api, objects):
    response = api.post(url(objects.tenant, "integration-run", pk=objects.integration.pk) + "?dry_run=perhaps")
    assert response.status_code == 400
    assert SyncRun.objects.count() == 1


# --- mappings -------------------------------------------------------------------------------

def test_value_mappings_are_created_or_changed_and_held_records_released(api, objects,
                                                                         django_capture_on_commit_callbacks):
    target = url(objects.tenant, "value-mappings", integration_id=objects.integration.pk)
    with django_capture_on_commit_callbacks() as queued:
        response = api.post(target, {"map_name": "department_to_cost_center", "source_value": "Sales",
                                     "target_value": "310"})
    assert response.status_code == 200
    assert response.json()["id"] == objects.value_mapping.pk
    assert ValueMapping.objects.get(pk=objects.value_mapping.pk).target_value == "310"
    assert len(queued) == 1  # the release of held records, on the workers

    listed = api.get(target + "?map_name=department_to_cost_center").json()
    assert [(m["source_value"], m["target_value"]) for m in listed["results"]] == [("Sales", "310")]
    assert api.get(target + "?map_name=other").json()["count"] == 0


def test_field_mappings_are_validated_against_the_flows_streams(api, objects):
    target = url(objects.tenant, "field-mappings", integration_id=objects.integration.pk)
    response = api.post(target, {"stream": "payroll", "target_field": "x", "source_field": "y"})
    assert response.status_code == 400
    assert "has no stream 'payroll'" in response.json()["non_field_errors"][0]
    response = api.post(target, {"stream": "people", "target_field": "code"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["Give a source field, a default, or both."]

    replaced = api.post(target, {"stream": "people", "target_field": "name", "source_field": "preferred_name"})
    assert replaced.status_code == 200
    assert FieldMapping.objects.get(pk=objects.field_mapping.pk).source_field == "preferred_name"
    assert [m["target_field"] for m in api.get(target + "?stream=people").json()["results"]] == ["name"]


def test_a_field_mapping_may_translate_only_through_a_translation_the_flow_declares(api, objects):
    target = url(objects.tenant, "field-mappings", integration_id=objects.integration.pk)
    typo = {"stream": "people", "target_field": "cost_center", "source_field": "department",
            "value_map": "department_to_cost_centre"}

    refused = api.post(target, typo)
    assert refused.status_code == 400
    assert refused.json()["value_map"] == [
        "“department_to_cost_centre” is not a translation HR A uses, so no value could be translated through it "
        "and every record would be held. Its translations: department_to_cost_center (Department → cost center)."]
    assert not FieldMapping.objects.filter(target_field="cost_center").exists()
    created = api.post(target, {**typo, "value_map": "department_to_cost_center"})
    assert created.status_code == 201
    assert (created.json()["value_map"], created.json()["value_map_title"]) == (
        "department_to_cost_center", "Department → cost center")


def test_mappings_name_their_translation_in_the_words_of_the_wizard_and_the_admin(api, objects):
    ValueMapping.objects.create(tenant=objects.tenant, integration=objects.integration, map_name="site_to_location",
                                source_value="Oslo", target_value="OSL")  # kept from a stream no longer synced
    FieldMapping.objects.create(tenant=objects.tenant, integration=objects.integration, stream="teams",
                                target_field="code", source_field="id", value_map="departmnet")  # typed, before

    values = api.get(url(objects.tenant, "value-mappings", integration_id=objects.integration.pk)).json()
    fields = api.get(url(objects.tenant, "field-mappings", integration_id=objects.integration.pk)).json()

    assert {m["map_name"]: m["map_title"] for m in values["results"]} == {
        "department_to_cost_center": "Department → cost center",
        "site_to_location": "Site → location (not used by this integration's streams any more)"}
    assert {m["target_field"]: m["value_map_title"] for m in fields["results"]} == {
        "name": None, "code": "Departmnet (not a translation of this integration)"}
    changed = api.post(url(objects.tenant, "value-mappings", integration_id=objects.integration.pk),
                       {"map_name": "department_to_cost_center", "source_value": "Sales", "target_value": "310"})
    assert changed.json()["map_title"] == "Department → cost center"
    one = api.get(url(objects.tenant, "value-mapping", integration_id=objects.integration.pk,
                      pk=changed.json()["id"])).json()
    assert (one["source_value"], one["target_value"], one["map_title"]) == ("Sales", "310", "Department → cost center")
    typed = FieldMapping.objects.get(integration=objects.integration, target_field="code")
    one = api.get(url(objects.tenant, "field-mapping", integration_id=objects.integration.pk, pk=typed.pk)).json()
    assert (one["value_map"], one["value_map_title"]) == ("departmnet", "Departmnet (not a translation of this integration)")


def test_mappings_of_another_integration_are_not_found_through_this_one(api, objects):
    other = Integration.objects.create(
        tenant=objects.tenant, name="Other", flow_kind="rippling_visma", source=objects.source,
        destination=ConnectionFactory(tenant=objects.tenant, kind="visma"))
    for method in (api.get, api.delete):
        assert method(url(objects.tenant, "value-mapping", integration_id=other.pk,
                          pk=objects.value_mapping.pk)).status_code == 404
        assert method(url(objects.tenant, "field-mapping", integration_id=other.pk,
                          pk=objects.field_mapping.pk)).status_code == 404
    assert ValueMapping.objects.filter(pk=objects.value_mapping.pk).exists()
    assert FieldMapping.objects.filter(pk=objects.field_mapping.pk).exists()



def test_the_health_tells_the_admins_truth(client_for, owner, objects, tenant_a):
    """The same badge, label and problems as the admin (syncs/health.py): records waiting, and paused."""
    url = f"/api/v1/tenants/{tenant_a.slug}/integrations/{objects.integration.pk}"
    health = client_for(owner).get(url).json()["health"]
    assert health["badge"] == "attention" and health["label"] == "1 held, 1 failed record(s) waiting"
    kinds = [p["kind"] for p in health["problems"]]
    assert kinds[0] == "records_waiting" and ("paused" in kinds) == (not objects.integration.enabled)
