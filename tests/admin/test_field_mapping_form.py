"""The field-mapping form: its translation is a choice of those the integration's flow declares, in customer
words, or none; a typed name the flow does not declare is refused in the admin and over the API."""
from django.urls import reverse

from syncs.flows.rippling_visma import DEPARTMENT_MAP, LOCATION_MAP
from syncs.models import FieldMapping
from tests.admin.page import find
from tests.support.api_client import api_client

ADD = "customer_admin:syncs_fieldmapping_add"
TITLES = {DEPARTMENT_MAP: "Rippling department → Visma department (cost center)",
          LOCATION_MAP: "Rippling work location → Visma location (LOCATION dimension)"}


def override(integration, value_map: str) -> dict:
    return {"integration": integration.pk, "stream": "employees", "target_field": "department",
            "source_field": "department_id", "value_map": value_map, "default": ""}


def test_the_translation_is_a_choice_of_the_flows_translations_in_customer_words(client, owner, integration):
    client.force_login(owner)
    page = client.get(reverse(ADD), {"integration": integration.pk})

    assert find(page, id="id_value_map").tag == "select"
    offered = page.context["adminform"].form.fields["value_map"].choices
    assert offered == [("", "— none: the values as they are —"), *TITLES.items()]
    # From the plain "Add" button (no integration chosen yet): each integration's translations under its name.
    plain = client.get(reverse(ADD)).context["adminform"].form.fields["value_map"].choices
    assert plain[1:] == [(str(integration), list(TITLES.items()))]


def test_a_declared_translation_or_none_is_saved(client, owner, integration):
    client.force_login(owner)

    assert client.post(reverse(ADD), override(integration, LOCATION_MAP)).status_code == 302
    assert FieldMapping.objects.get(integration=integration).value_map == LOCATION_MAP
    FieldMapping.objects.all().delete()
    assert client.post(reverse(ADD), override(integration, "")).status_code == 302
    assert FieldMapping.objects.get(integration=integration).value_map == ""


def test_a_translation_the_flow_does_not_declare_is_refused_in_admin_and_api(client, owner, integration):
    client.force_login(owner)

    page = client.post(reverse(ADD), override(integration, "departmnet_map"))
    assert page.status_code == 200 and "departmnet_map" in page.context["adminform"].form.errors["value_map"][0]
    url = reverse("api:field-mappings", kwargs={"tenant_slug": integration.tenant.slug,
                                                "integration_id": integration.pk})
    refused = api_client(owner).post(url, {k: v for k, v in override(integration, "departmnet_map").items()
                                           if k != "integration"}, format="json")
    assert refused.status_code == 400
    message = refused.json()["value_map"][0]
    assert "“departmnet_map” is not a translation HR → ERP uses" in message
    assert f"{DEPARTMENT_MAP} ({TITLES[DEPARTMENT_MAP]})" in message and LOCATION_MAP in message
    assert not FieldMapping.objects.exists()


def test_a_translation_typed_before_it_was_a_choice_is_shown_until_it_is_fixed(client, owner, integration):
    typed = FieldMapping.objects.create(tenant=integration.tenant, integration=integration, stream="employees",
                                        target_field="department", source_field="department_id",
                                        value_map="departmnet_map")
    client.force_login(owner)
    change = reverse("customer_admin:syncs_fieldmapping_change", args=[typed.pk])

    assert '<option value="departmnet_map" selected>' in client.get(change).content.decode()
    assert client.post(change, override(integration, "departmnet_map")).status_code == 200  # refused, not kept
    assert client.post(change, override(integration, DEPARTMENT_MAP)).status_code == 302
    assert FieldMapping.objects.get(integration=integration).value_map == DEPARTMENT_MAP


def test_an_outsider_is_offered_none_of_another_companys_translations(client, outsider, integration):
    client.force_login(outsider)

    offered = client.get(reverse(ADD)).context["adminform"].form.fields["value_map"].choices
    assert offered == [("", "— none: the values as they are —")]
    refused = client.post(reverse(ADD), override(integration, DEPARTMENT_MAP))
    assert refused.status_code == 200 and not FieldMapping.objects.exists()
