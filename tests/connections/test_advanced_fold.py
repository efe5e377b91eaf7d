"""Vendor plumbing (server address, token URL, scopes, the ipp-company-id header) sits under an "Advanced"
fold on the connection page; what a customer must fill in stays in sight."""
from django.urls import reverse

from connections.forms import advanced_field_names, config_field_names
from connections.vendors import get_vendor


def test_visma_plumbing_is_folded():
    visma = get_vendor("visma")
    assert advanced_field_names(visma) == ["base_url", "cfg_token_url", "cfg_scope", "cfg_company_id"]
    assert config_field_names(visma, folded=False) == []


def test_what_a_customer_must_enter_stays_in_sight():
    assert config_field_names(get_vendor("powerbi"), folded=False) == ["cfg_group_id"]
    assert "cfg_company_id" in config_field_names(get_vendor("paychex"), folded=False)


def test_the_connection_page_folds_them_under_advanced(client, owner, make_sandbox_connection, tenant_a):
    connection = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    client.force_login(owner)
    html = client.get(reverse("customer_admin:connections_connection_change", args=[connection.pk])).content.decode()
    advanced = html[html.index("Advanced</"):]
    assert "collapse" in html[:html.index("Advanced</")][-400:]
    for label in ("Token URL", "Scopes", "Company number", "Server address"):
        assert label in advanced, label
    assert "ipp-company-id" in advanced and "Base url" not in html


def test_an_outsider_cannot_open_the_connection_page(client, outsider, make_sandbox_connection, tenant_a):
    connection = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    client.force_login(outsider)
    assert client.get(reverse("customer_admin:connections_connection_change", args=[connection.pk])).status_code \
        in (302, 404)
