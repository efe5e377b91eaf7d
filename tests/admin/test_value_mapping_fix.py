"""Fixing a mapping in place: the source by its name, the target from Visma's real departments (checked on
save), and re-applying a changed mapping to the records it already wrote, each written once."""
import pytest
from django.urls import reverse

from syncs.flows.rippling_visma import DEPARTMENT_MAP, LOCATION_MAP
from syncs.models import PendingRecord, SyncRun, ValueMapping
from tests.admin.conftest import visma_employees, workers_in
from tests.admin.page import find, messages_of

ADD = "customer_admin:syncs_valuemapping_add"


def reapply_url(mapping):
    return reverse("customer_admin:syncs_valuemapping_reapply", args=[mapping.pk])


def add_form(client, synced):
    return client.get(reverse(ADD), {"integration": synced.integration.pk, "map_name": DEPARTMENT_MAP,
                                     "source_value": synced.unmapped["id"]})


def test_the_form_names_the_source_and_offers_the_destinations_departments(client, owner, synced):
    client.force_login(owner)
    page = add_form(client, synced)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{synced.unmapped['name']} at the source" in text
    target = find(page, id="id_target_value")
    assert target.tag == "select"
    assert 'value="IT"' in text and 'value="HR"' in text and "HR – People" in text


def test_the_translation_is_a_choice_of_the_integrations_value_maps_by_their_names(client, owner, synced):
    client.force_login(owner)
    page = add_form(client, synced)
    assert find(page, id="id_map_name").tag == "select"
    offered = dict(page.context["adminform"].form.fields["map_name"].choices)
    assert offered == {"": "— choose —", DEPARTMENT_MAP: "Rippling department → Visma department (cost center)",
                       LOCATION_MAP: "Rippling work location → Visma location (LOCATION dimension)"}
    assert f'<option value="{DEPARTMENT_MAP}" selected>' in page.content.decode()
    # From the plain "Add" button (no integration chosen yet): each integration's translations under its name.
    plain = client.get(reverse(ADD)).context["adminform"].form.fields["map_name"].choices
    assert plain[1:] == [(str(synced.integration), list(offered.items())[1:])]


def test_a_translation_the_flow_does_not_use_is_refused_in_admin_and_api(client, owner, synced):
    from tests.support.api_client import api_client

    client.force_login(owner)
    typo = {"integration": synced.integration.pk, "map_name": "departmnet_map",
            "source_value": synced.unmapped["id"], "target_value": "OPS"}
    response = client.post(reverse(ADD), typo)
    assert response.status_code == 200 and "departmnet_map" in response.content.decode()
    assert not ValueMapping.objects.filter(map_name="departmnet_map").exists()
    url = reverse("api:value-mappings", kwargs={"tenant_slug": synced.integration.tenant.slug,
                                                "integration_id": synced.integration.pk})
    refused = api_client(owner).post(url, {k: typo[k] for k in ("map_name", "source_value", "target_value")},
                                     format="json")
    assert refused.status_code == 400
    assert "is not a translation" in refused.json()["map_name"][0] and DEPARTMENT_MAP in refused.json()["map_name"][0]
    assert not ValueMapping.objects.filter(map_name="departmnet_map").exists()


def test_a_target_the_destination_does_not_have_is_refused_with_a_message(client, owner, synced):
    client.force_login(owner)
    response = client.post(reverse(ADD), {"integration": synced.integration.pk, "map_name": DEPARTMENT_MAP,
                                          "source_value": synced.unmapped["id"], "target_value": "PLATFRM"})
    assert response.status_code == 200  # the form again, with the error
    assert "“PLATFRM” is not one of the values the destination offers" in response.content.decode()
    assert f"{synced.unmapped['name']} at the source" in response.content.decode()  # still named, after the error
    assert not ValueMapping.objects.filter(integration=synced.integration,
                                           source_value=synced.unmapped["id"]).exists()


def test_a_real_target_is_saved_and_releases_the_held_records(client, owner, synced, eager_tasks,
                                                              django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(ADD), {"integration": synced.integration.pk, "map_name": DEPARTMENT_MAP,
                                              "source_value": synced.unmapped["id"], "target_value": "OPS"},
                               follow=True)
    assert response.status_code == 200
    assert ValueMapping.objects.get(integration=synced.integration, source_value=synced.unmapped["id"]).target_value \
        == "OPS"
    assert not PendingRecord.objects.filter(integration=synced.integration, status=PendingRecord.Status.HELD).exists()


def test_changing_a_mapping_offers_to_reapply_it_and_rewrites_exactly_its_records_once(
        client, owner, synced, rippling, visma, sandbox, eager_tasks, django_capture_on_commit_callbacks):
    client.force_login(owner)
    mapping = ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"])
    workers = workers_in(rippling, synced.mapped["id"])
    numbers = {str(int(w["number"])) for w in workers}
    assert {e["employeeNumber"] for e in visma_employees(visma) if e["department"] == "IT"} == numbers

    changed = client.post(reverse("customer_admin:syncs_valuemapping_change", args=[mapping.pk]),
                          {"integration": synced.integration.pk, "map_name": DEPARTMENT_MAP,
                           "source_value": synced.mapped["id"], "target_value": "HR"}, follow=True)
    assert changed.redirect_chain[-1][0] == reapply_url(mapping)
    # The department itself (a reference) and every employee of it carry IT at the destination.
    assert find(changed, data_test="reapply-confirm")["data-affected"] == str(len(workers) + 1)
    writes_before = len(sandbox.app.log.filter(vendor="visma", writes_only=True))

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reapply_url(mapping), follow=True)

    assert "being written again with HR" in messages_of(done)[0]
    run = SyncRun.objects.filter(integration=synced.integration, trigger=SyncRun.Trigger.REPLAY).latest("pk")
    assert (run.status, run.read, run.updated, run.failed) == ("succeeded", len(workers) + 1, len(workers) + 1, 0)
    puts = [e for e in sandbox.app.log.filter(vendor="visma", writes_only=True)[writes_before:]
            if "/connect/" not in e.path]
    assert sorted(e.path.rsplit("/", 1)[-1] for e in puts) == sorted(numbers), "each employee written once"
    assert {e["employeeNumber"] for e in visma_employees(visma) if e["department"] == "HR"} >= numbers
    # Nothing carries the old value any more: a second confirmation writes nothing.
    again = client.get(reapply_url(mapping))
    assert find(again, data_test="reapply-confirm")["data-affected"] == "0"


def test_reapply_is_for_managers_of_the_tenant_only(client, member, outsider, synced):
    mapping = ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"])
    client.force_login(outsider)
    assert client.get(reapply_url(mapping)).status_code == 404
    assert client.post(reapply_url(mapping)).status_code == 404
    client.force_login(member)
    assert client.get(reapply_url(mapping)).status_code == 200
    assert client.post(reapply_url(mapping)).status_code == 403


def test_the_api_refuses_a_target_the_destination_does_not_have_too(owner, synced):
    from tests.support.api_client import api_client

    url = reverse("api:value-mappings", kwargs={"tenant_slug": synced.integration.tenant.slug,
                                                "integration_id": synced.integration.pk})
    api = api_client(owner)
    refused = api.post(url, {"map_name": DEPARTMENT_MAP, "source_value": synced.unmapped["id"],
                             "target_value": "PLATFRM"}, format="json")
    assert refused.status_code == 400
    assert "“PLATFRM” is not one of the values the destination offers" in refused.json()["target_value"][0]
    saved = api.post(url, {"map_name": DEPARTMENT_MAP, "source_value": synced.unmapped["id"], "target_value": "OPS"},
                     format="json")
    assert saved.status_code == 200 and saved.json()["target_value"] == "OPS"
