"""The change log: every change to connections, integrations and mappings says who, when and what,
with secrets masked; owners read it in the admin, nobody edits it, other tenants never see it."""
import pytest
from django.urls import reverse

from changelog.models import ChangeLogEntry
from connections.models import Membership
from syncs.services import integration_create
from tests.factories import ConnectionFactory, MembershipFactory
from tests.support.api_client import api_client as api

SECRET = "change-log-must-not-hold-this"


@pytest.fixture
def integration(tenant_a, owner):
    source = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling", credentials={"api_key": SECRET})
    destination = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma")
    return integration_create(tenant=tenant_a, name="HR → ERP", flow_kind="rippling_visma", source=source,
                              destination=destination, actor=owner)


def entries(**filters):
    return list(ChangeLogEntry.objects.filter(**filters).order_by("id"))


def test_creating_a_connection_logs_it_with_the_secret_masked(owner, tenant_a):
    response = api(owner).post(f"/api/v1/tenants/{tenant_a.slug}/connections", {
        "kind": "rippling", "name": "Rippling", "credentials": {"api_key": SECRET}}, format="json")

    assert response.status_code == 201
    (entry,) = entries(object_type="connection")
    assert (entry.action, entry.actor, entry.tenant) == ("created", owner, tenant_a)
    assert entry.changes["credentials.api_key"] == ["", "•••••• (changed)"]
    assert SECRET not in str(entry.changes)


def test_integration_changes_are_logged_field_by_field(owner, tenant_a, integration):
    response = api(owner).patch(f"/api/v1/tenants/{tenant_a.slug}/integrations/{integration.pk}",
                                {"every_minutes": 30, "name": "HR → ERP (nightly)"}, format="json")

    assert response.status_code == 200, response.content
    (entry,) = entries(object_type="integration", action="updated")
    assert entry.changes == {"every_minutes": [15, 30], "name": ["HR → ERP", "HR → ERP (nightly)"]}
    assert entry.actor == owner


def test_an_update_that_changes_nothing_writes_no_row(owner, tenant_a, integration):
    api(owner).patch(f"/api/v1/tenants/{tenant_a.slug}/integrations/{integration.pk}", {"name": "HR → ERP"},
                     format="json")
    assert entries(object_type="integration", action="updated") == []


def test_value_and_field_mappings_are_logged(owner, tenant_a, integration):
    base = f"/api/v1/tenants/{tenant_a.slug}/integrations/{integration.pk}"
    client = api(owner)
    client.post(f"{base}/value-mappings", {"map_name": "department_to_cost_center", "source_value": "Sales",
                                           "target_value": "300"}, format="json")
    client.post(f"{base}/value-mappings", {"map_name": "department_to_cost_center", "source_value": "Sales",
                                           "target_value": "310"}, format="json")
    field = client.post(f"{base}/field-mappings", {"stream": "employees", "target_field": "contact.phone1",
                                                   "source_field": "phone"}, format="json")
    client.delete(f"{base}/field-mappings/{field.json()['id']}")

    values = entries(object_type="value_mapping")
    assert [e.action for e in values] == ["created", "updated"]
    assert values[1].changes == {"target_value": ["300", "310"]}
    fields = entries(object_type="field_mapping")
    assert [e.action for e in fields] == ["created", "deleted"]
    assert fields[1].changes["source_field"] == ["phone", None]
    assert all(e.actor == owner for e in values + fields)


def test_owners_read_their_tenants_log_in_the_admin_and_cannot_change_it(client, owner, integration):
    entry = entries(object_type="integration")[0]
    client.force_login(owner)

    listing = client.get(reverse("customer_admin:changelog_changelogentry_changelist"))
    assert listing.status_code == 200 and entry in listing.context["cl"].result_list
    page = client.get(reverse("customer_admin:changelog_changelogentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(reverse("customer_admin:changelog_changelogentry_delete", args=[entry.pk]),
                       {"post": "yes"}).status_code == 403
    assert ChangeLogEntry.objects.filter(pk=entry.pk).exists()


def test_an_outsider_never_sees_another_tenants_log(client, outsider, integration):
    entry = entries(object_type="integration")[0]
    client.force_login(outsider)

    listing = client.get(reverse("customer_admin:changelog_changelogentry_changelist"))
    assert listing.status_code == 200 and entry not in listing.context["cl"].result_list
    page = client.get(reverse("customer_admin:changelog_changelogentry_change", args=[entry.pk]))
    assert page.status_code in (302, 404) and b"HR \xe2\x86\x92 ERP" not in page.content


def test_viewers_and_admins_of_the_tenant_do_not_see_the_log(client, tenant_a, member, integration):
    tenant_admin = MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN).user
    for user in (member, tenant_admin):
        client.force_login(user)
        assert client.get(reverse("customer_admin:changelog_changelogentry_changelist")).status_code == 403
