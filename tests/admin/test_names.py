"""Names, not ids and internals: people's and departments' names first with their ids second, run numbers
per integration, customer words for internal names, and none of Django's scaffolding customers can't use."""
from django.urls import reverse

from audit.models import AuditRecord
from connections.models import Membership
from tests.admin.page import find


def story_of(client, synced, pending):
    row = AuditRecord.objects.filter(integration=synced.integration, stream=pending.stream,
                                     source_ref=pending.source_id).latest("pk")
    return client.get(reverse("customer_admin:audit_auditrecord_story", args=[row.pk]))


def worker_name(rippling, user_id):
    """The employees stream is keyed by the worker's user id; the name is the user's."""
    return rippling.data["users"].rows[user_id]["display_name"]


def test_a_record_story_is_titled_with_the_persons_name(client, owner, synced, rippling):
    client.force_login(owner)
    held = next(p for p in synced.held if p.stream == "employees")
    page = story_of(client, synced, held)
    name = worker_name(rippling, held.source_id)
    assert f"<title>Story of {name} (employees {held.source_id})" in page.content.decode()
    assert find(page, data_test="record-name").text == name
    assert held.source_id in find(page, data_test="record-id").text


def test_the_held_and_failed_list_shows_names_first(client, owner, synced, rippling):
    client.force_login(owner)
    page = client.get(reverse("customer_admin:syncs_pendingrecord_changelist"))
    held = next(p for p in synced.held if p.stream == "employees")
    assert f"{worker_name(rippling, held.source_id)} <span class=\"quiet record-id\">{held.source_id}</span>" \
        in page.content.decode()
    department = next(p for p in synced.held if p.stream == "departments")
    assert rippling.data["departments"].rows[department.source_id]["name"] in page.content.decode()


def test_lists_are_titled_in_words_not_select_to_change(client, owner, synced):
    client.force_login(owner)
    for model, title in (("syncs_pendingrecord", "Pending records"), ("syncs_integration", "Integrations"),
                         ("syncs_syncrun", "Sync runs")):
        html = client.get(reverse(f"customer_admin:{model}_changelist")).content.decode()
        assert f"<h1>{title}</h1>" in html and "to change" not in html and "to view" not in html


def test_runs_are_numbered_per_integration_and_counters_in_words(client, owner, synced):
    client.force_login(owner)
    html = client.get(reverse("customer_admin:syncs_syncrun_change", args=[synced.run.pk])).content.decode()
    assert "Requests to the vendors" in html and "Http calls" not in html
    listing = client.get(reverse("customer_admin:syncs_syncrun_changelist")).content.decode()
    assert f">#{synced.run.number}</a>" in listing


def test_value_mappings_read_as_translations(client, owner, synced):
    client.force_login(owner)
    html = client.get(reverse("customer_admin:syncs_valuemapping_changelist")).content.decode()
    assert "Department → cost center" in html and "<td class=\"field-translation\">department_to_cost_center" \
        not in html


def test_the_integration_list_offers_the_wizard_not_a_bare_add_form(client, owner, synced):
    client.force_login(owner)
    page = client.get(reverse("customer_admin:syncs_integration_changelist"))
    assert find(page, data_test="wizard-start-link")
    assert reverse("customer_admin:syncs_integration_add") not in page.content.decode()
    assert client.get(reverse("customer_admin:syncs_integration_add")).status_code == 403


def test_the_home_page_has_no_recent_actions(client, owner, synced):
    client.force_login(owner)
    assert "Recent actions" not in client.get(reverse("customer_admin:index")).content.decode()


def test_an_owner_cannot_delete_their_own_membership(client, owner, tenant_a):
    client.force_login(owner)
    own = Membership.objects.get(user=owner, tenant=tenant_a)
    page = client.get(reverse("customer_admin:connections_membership_change", args=[own.pk]))
    assert 'class="deletelink"' not in page.content.decode()
    assert client.post(reverse("customer_admin:connections_membership_delete", args=[own.pk]),
                       {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_an_outsider_sees_no_story_of_another_tenants_record(client, outsider, synced):
    client.force_login(outsider)
    held = synced.held[0]
    assert story_of(client, synced, held).status_code == 404


def test_no_field_mappings_says_the_defaults_apply(client, owner, synced):
    client.force_login(owner)
    html = client.get(reverse("customer_admin:syncs_fieldmapping_changelist")).content.decode()
    assert "With none, the defaults apply" in html


def test_the_integration_list_names_the_flow_and_leaves_out_the_one_company(client, owner, synced):
    client.force_login(owner)
    html = client.get(reverse("customer_admin:syncs_integration_changelist")).content.decode()
    assert "Rippling → Visma.net" in html and "column-tenant" not in html and ">rippling_visma<" not in html
