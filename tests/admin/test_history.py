"""Django's per-object History lists form-field strings ("Changed Target value."): on the customer site its
link gives way to the product's change log of that object (who changed what, before → after, in customer
words), which only the company's owners read. The operators' site keeps Django's History."""
import pytest
from django.urls import reverse

from changelog.models import ChangeLogEntry
from syncs.models import ValueMapping
from syncs.services import integration_create, integration_update, value_mapping_set
from tests.admin.page import find, find_all, messages_of
from tests.factories import ConnectionFactory, UserFactory


@pytest.fixture
def integration(tenant_a, owner):
    source = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling")
    destination = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma")
    made = integration_create(tenant=tenant_a, name="HR → ERP", flow_kind="rippling_visma", source=source,
                              destination=destination, actor=owner)
    integration_create(tenant=tenant_a, name="Other", flow_kind="rippling_visma", source=source,
                       destination=destination, actor=owner)
    return integration_update(integration=made, actor=owner, every_minutes=30)


def change(site, obj):
    meta = obj._meta
    return reverse(f"{site}:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def history(site, obj):
    meta = obj._meta
    return reverse(f"{site}:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


def test_an_owner_is_sent_to_the_objects_change_log_in_customer_words(client, owner, integration):
    client.force_login(owner)
    page = client.get(change("customer_admin", integration))
    assert not [a for a in find_all(page, **{"class": "historylink"}) if a.text == "History"]
    link = find(page, data_test="change-log-link")
    assert link.text == "Change log"
    assert client.get(history("customer_admin", integration))["Location"] == link["href"]

    log = client.get(link["href"].replace("&amp;", "&"))
    shown = list(log.context["cl"].result_list)
    assert {(e.object_repr, e.action) for e in shown} == {("HR → ERP", "updated"), ("HR → ERP", "created")}
    assert "Run every … minutes" in log.content.decode() and "every_minutes" not in log.content.decode()


def test_a_value_mappings_page_links_to_its_own_changes(client, owner, integration):
    mapping = value_mapping_set(integration=integration, map_name="department_to_cost_center", source_value="d1",
                                target_value="IT", actor=owner)
    value_mapping_set(integration=integration, map_name="department_to_cost_center", source_value="d1",
                      target_value="HR", actor=owner)
    client.force_login(owner)
    log = client.get(client.get(history("customer_admin", mapping))["Location"])
    entries = list(log.context["cl"].result_list)
    assert sorted((e.object_type, e.object_id, e.action) for e in entries) == [
        ("value_mapping", mapping.pk, "created"), ("value_mapping", mapping.pk, "updated")]
    assert ChangeLogEntry.objects.count() > len(entries)  # the integrations' own entries are left out


def test_viewers_see_no_history_link_and_are_told_who_reads_the_log(client, member, integration):
    client.force_login(member)
    page = client.get(change("customer_admin", integration))
    assert not find_all(page, **{"class": "historylink"})
    sent = client.get(history("customer_admin", integration), follow=True)
    assert sent.redirect_chain[-1][0] == change("customer_admin", integration)
    assert "your company's owners can read" in messages_of(sent)[0]


def test_an_outsider_gets_no_history(client, outsider, integration):
    client.force_login(outsider)
    assert client.get(history("customer_admin", integration)).status_code == 404
    assert not ValueMapping.objects.exists()


def test_the_operators_site_keeps_djangos_history(client, integration):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    page = client.get(change("ops_admin", integration))
    assert [a.text for a in find_all(page, **{"class": "historylink"})] == ["History"]
    assert client.get(history("ops_admin", integration)).status_code == 200
