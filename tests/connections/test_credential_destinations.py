"""Secrets stay write-only: whoever may edit a connection cannot send its stored secrets somewhere else.

Changing where the credentials go (base URL, token URL) needs the secrets typed again, drops the cached
token, and is in the change log."""
import time

import pytest
from django.urls import reverse

from changelog.models import ChangeLogEntry
from connections.models import Connection, Membership
from connections.vendors.base import default_token_cache, token_cache_key
from connections.vendors.tokens import Token
from tests.factories import ConnectionFactory, MembershipFactory
from tests.support.api_client import api_client as api

STORED_SECRET = "stored-client-secret-0042"
NEW_PLACES = {"base_url": "https://integration.visma.net/API",
              "config": {"token_url": "https://connect.visma.com/connect/token-elsewhere"}}


@pytest.fixture
def tenant_admin(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN, user__username="tenant-admin").user


@pytest.fixture
def visma(tenant_a):
    connection = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma", credentials={
        "client_id": "isv_x", "client_secret": STORED_SECRET, "tenant_id": "t"})
    default_token_cache().set(token_cache_key("visma", connection.pk), Token("live-bearer", time.time() + 3600))
    return connection


def patch(user, connection, data):
    return api(user).patch(f"/api/v1/tenants/{connection.tenant.slug}/connections/{connection.pk}", data,
                           format="json")


def test_moving_the_urls_without_the_secrets_is_refused(tenant_admin, visma):
    response = patch(tenant_admin, visma, NEW_PLACES)

    assert response.status_code == 400
    assert "enter client_secret again" in response.json()["credentials"][0]
    visma.refresh_from_db()
    assert visma.base_url == "https://api.finance.visma.net" and visma.config == {}
    assert default_token_cache().get(token_cache_key("visma", visma.pk)) is not None
    assert not ChangeLogEntry.objects.filter(object_type="connection", action="updated").exists()


def test_with_the_secrets_entered_again_the_move_is_accepted_tokens_dropped_and_logged(tenant_admin, visma):
    response = patch(tenant_admin, visma, {**NEW_PLACES, "credentials": {"client_secret": "typed-again-77"}})

    assert response.status_code == 200, response.content
    visma.refresh_from_db()
    assert visma.base_url == NEW_PLACES["base_url"] and visma.credentials["client_secret"] == "typed-again-77"
    assert default_token_cache().get(token_cache_key("visma", visma.pk)) is None
    entry = ChangeLogEntry.objects.get(object_type="connection", object_id=visma.pk, action="updated")
    assert entry.actor == tenant_admin and entry.actor_name == "tenant-admin"
    assert entry.changes["base_url"] == ["https://api.finance.visma.net", NEW_PLACES["base_url"]]
    assert entry.changes["config.token_url"] == [None, NEW_PLACES["config"]["token_url"]]
    assert entry.changes["credentials.client_secret"] == ["••••••", "•••••• (changed)"]
    assert STORED_SECRET not in str(entry.changes) and "typed-again-77" not in str(entry.changes)


def test_renaming_needs_no_secrets(tenant_admin, visma):
    assert patch(tenant_admin, visma, {"name": "Visma ERP"}).status_code == 200


def test_the_admin_form_asks_for_the_secret_again(client, tenant_admin, visma):
    client.force_login(tenant_admin)
    url = reverse("customer_admin:connections_connection_change", args=[visma.pk])
    form = {"tenant": visma.tenant_id, "name": visma.name, "base_url": NEW_PLACES["base_url"],
            "cred_client_id": "isv_x", "cred_tenant_id": "t",
            "cfg_token_url": "https://connect.visma.com/connect/token", "cfg_scope": "s"}

    refused = client.post(url, form)
    assert refused.status_code == 200 and "enter this secret again" in refused.content.decode()
    assert Connection.objects.get(pk=visma.pk).base_url == "https://api.finance.visma.net"

    accepted = client.post(url, {**form, "cred_client_secret": "typed-in-admin"})
    assert accepted.status_code == 302
    assert Connection.objects.get(pk=visma.pk).base_url == NEW_PLACES["base_url"]
    assert default_token_cache().get(token_cache_key("visma", visma.pk)) is None
    assert ChangeLogEntry.objects.filter(object_id=visma.pk, action="updated", actor=tenant_admin).exists()


def test_the_wizard_asks_for_the_secret_again(client, tenant_admin, tenant_a, visma):
    from wizard.services import WizardError, draft_connection_save, draft_create

    draft = draft_create(tenant=tenant_a, user=tenant_admin, flow_kind="rippling_visma", name="HR → ERP")
    with pytest.raises(WizardError, match="enter client_secret again"):
        draft_connection_save(draft=draft, role="destination", connection=visma, base_url=NEW_PLACES["base_url"],
                              credentials={}, config={})
