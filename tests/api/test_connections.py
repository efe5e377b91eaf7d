"""Connections over the API: validation against the vendor's fields, write-only secrets, testing one."""
from __future__ import annotations

import pytest
from django.urls import reverse

from connections.models import Connection
from tests.api.conftest import SECRET


@pytest.fixture
def api(client_for, owner):
    return client_for(owner)


def url(tenant, name="connections", **kwargs):
    return reverse(f"api:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


def test_it_creates_a_connection_and_shows_only_what_is_not_secret(api, tenant_a):
    response = api.post(url(tenant_a), {
        "kind": "visma", "name": "Visma prod",
        "credentials": {"client_id": "isv_acme", "client_secret": SECRET, "tenant_id": "guid-1"},
        "config": {"company_id": "1"}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["base_url"] == "https://api.finance.visma.net"  # the vendor's default
    assert body["credentials_set"] == ["client_id", "client_secret", "tenant_id"]
    assert body["credentials_public"] == {"client_id": "isv_acme", "tenant_id": "guid-1"}
    assert body["config"] == {"company_id": "1"}
    assert body["status"] == "untested"
    assert "credentials" not in body
    assert SECRET not in response.content.decode()
    assert Connection.objects.get(pk=body["id"]).credentials["client_secret"] == SECRET


@pytest.mark.parametrize("payload, field, message", [
    ({"credentials": {"api_key": "k", "password": "p"}}, "credentials",
     "Unknown credential field(s) for Rippling: password. Expected: api_key, client_id, client_secret."),
    ({"credentials": {}}, "credentials", "Missing for Rippling: api_key."),
    ({"credentials": {"api_key": ""}}, "credentials", "Missing for Rippling: api_key."),
    ({"config": {"scope": "https://x.example"}}, "config",
     "Unknown setting(s) for Rippling: scope. Expected: token_url, authorize_url."),
    ({"credentials": {"client_id": "app"}}, "credentials", "Missing for Rippling: client_secret."),
    ({"kind": "sap"}, "kind", '"sap" is not a valid choice.'),
    ({"base_url": "ftp://files.example.com"}, "base_url", "Enter an http:// or https:// URL."),
    ({"name": "Taken"}, "name", "A connection with this name exists already."),
])
def test_it_validates_a_new_connection_against_the_vendor(api, tenant_a, payload, field, message):
    Connection.objects.create(tenant=tenant_a, kind="rippling", name="Taken", base_url="https://x.example")
    data = {"kind": "rippling", "name": "New", "credentials": {"api_key": "k"}, **payload}
    response = api.post(url(tenant_a), data)
    assert response.status_code == 400
    errors = response.json()[field]
    assert message in (errors if isinstance(errors, list) else [errors])
    assert not Connection.objects.filter(name="New").exists()


def test_it_requires_the_vendors_required_settings(api, tenant_a):
    response = api.post(url(tenant_a), {"kind": "powerbi", "name": "BI", "credentials": {
        "tenant_id": "t", "client_id": "c", "client_secret": SECRET}})
    assert response.status_code == 400
    assert response.json()["config"] == ["Required for Microsoft Power BI: group_id."]


def test_an_update_keeps_stored_secrets_unless_new_ones_are_given(api, objects):
    destination = objects.destination
    response = api.patch(url(objects.tenant, "connection", pk=destination.pk), {
        "name": "Visma renamed", "credentials": {"client_secret": "", "client_id": "isv_new"}})
    assert response.status_code == 200, response.content
    assert response.json()["credentials_public"]["client_id"] == "isv_new"
    destination.refresh_from_db()
    assert destination.name == "Visma renamed"
    assert destination.credentials == {"client_id": "isv_new", "client_secret": SECRET, "tenant_id": "tenant-guid-a"}

    api.patch(url(objects.tenant, "connection", pk=destination.pk), {"credentials": {"client_secret": "rotated"}})
    destination.refresh_from_db()
    assert destination.credentials["client_secret"] == "rotated"


def test_an_update_refuses_unknown_credentials_and_a_taken_name(api, objects):
    target = url(objects.tenant, "connection", pk=objects.destination.pk)
    response = api.patch(target, {"credentials": {"api_key": "x"}})
    assert response.status_code == 400
    assert "Unknown credential field(s) for Visma.net ERP: api_key" in response.json()["credentials"][0]
    response = api.patch(target, {"name": "Rippling A"})
    assert response.status_code == 400
    objects.destination.refresh_from_db()
    assert objects.destination.name == "Visma A"


def test_a_connection_in_use_cannot_be_deleted(api, objects):
    response = api.delete(url(objects.tenant, "connection", pk=objects.destination.pk))
    assert response.status_code == 409
    assert "HR A" in response.json()["detail"]
    assert Connection.objects.filter(pk=objects.destination.pk).exists()


def test_it_tests_a_connection_against_the_sandbox(api, objects):
    response = api.post(url(objects.tenant, "connection-test", pk=objects.source.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["status"] == "ok"
    assert body["last_tested_at"]
    objects.source.refresh_from_db()
    assert objects.source.status == Connection.Status.OK


def test_a_failing_test_reports_the_vendors_answer(api, objects, make_sandbox_connection):
    wrong = make_sandbox_connection("rippling", tenant=objects.tenant, name="Wrong key",
                                    credentials={"api_key": "rpl_revoked_key"})
    response = api.post(url(objects.tenant, "connection-test", pk=wrong.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["status"] == "failed"
    assert "Invalid token" in body["message"]
    assert "rpl_revoked_key" not in response.content.decode()


def test_unknown_ids_are_404(api, tenant_a):
    assert api.get(url(tenant_a, "connection", pk=999999)).status_code == 404
    assert api.get(url(tenant_a, "connection", pk=2**70)).status_code == 404
    assert api.post(url(tenant_a, "connection-test", pk=999999)).status_code == 404
