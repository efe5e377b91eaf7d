"""Registering our intake URL as Paychex hooks: the service, what is registered, rotation, the admin action.
Against the Paychex sandbox over real HTTP."""
import pytest
from django.db import connection as db
from django.urls import reverse

from connections.models import Connection
from connections.selectors import connection_webhook_url, connection_webhooks_registered
from connections.services import connection_webhook_token_rotate, connection_webhooks_register
from connections.vendors.errors import VendorPermissionError
from sandbox.vendors.paychex import DEMO_COMPANY_ID, UNLINKED_COMPANY_ID
from tests.admin.page import messages_of
from tests.support.paychex import connection, paychex  # noqa: F401 (fixtures)

DOMAINS = ["WRKR_DEM", "WRKR_CMP", "WRKR_EMPL", "WRKR_ASGN", "WRKR_ADD", "CLT_ACCESS"]
CHANGELIST = "customer_admin:connections_connection_changelist"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://connector.example.com"


def hooks_at_paychex(paychex):
    return list(paychex.dispatcher.hooks.values())


def test_it_registers_the_intake_url_with_credentials_it_keeps_encrypted(connection, paychex):
    hook = connection_webhooks_register(connection=connection)

    [registered] = hooks_at_paychex(paychex)
    assert registered["hookId"] == hook["hookId"]
    assert (registered["uri"], registered["domains"], registered["companyId"]) == (
        f"https://connector.example.com/hooks/{connection.webhook_token}/", DOMAINS, DEMO_COMPANY_ID)
    connection.refresh_from_db()
    auth = registered["_authentication"]
    assert auth == {"authType": "BASIC_AUTH", "username": connection.credentials["webhook_username"],
                    "password": connection.credentials["webhook_password"]}
    assert len(auth["password"]) >= 40
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connections_connection WHERE id = %s", [connection.pk])
        assert auth["password"] not in str(cursor.fetchone()[0])  # encrypted at rest


def test_it_shows_what_is_registered(connection, tenant_a):
    assert connection_webhooks_registered(tenant=tenant_a, connection=connection) == []
    connection_webhooks_register(connection=connection)

    [shown] = connection_webhooks_registered(tenant=tenant_a, connection=connection)

    assert (shown["uri"], shown["current"], shown["authType"]) == (
        connection_webhook_url(connection=connection), True, "BASIC_AUTH")
    assert "password" not in str(shown)


def test_another_tenant_cannot_ask_what_is_registered(connection, tenant_b):
    with pytest.raises(Connection.DoesNotExist):
        connection_webhooks_registered(tenant=tenant_b, connection=connection)


def test_registering_again_replaces_the_hook_and_the_password(connection, paychex):
    connection_webhooks_register(connection=connection)
    connection.refresh_from_db()
    first = dict(connection.credentials)

    connection_webhooks_register(connection=connection)

    connection.refresh_from_db()
    [hook] = hooks_at_paychex(paychex)
    assert connection.credentials["webhook_username"] == first["webhook_username"]
    assert connection.credentials["webhook_password"] != first["webhook_password"]
    assert "," not in connection.credentials["webhook_password"]  # the old one is no longer accepted
    assert hook["_authentication"]["password"] == connection.credentials["webhook_password"]
    assert connection.credentials["webhook_hook_id"] == hook["hookId"]


def test_a_new_intake_url_is_registered_in_place_of_the_old_one(connection, paychex):
    connection_webhooks_register(connection=connection)
    connection.refresh_from_db()
    password = connection.credentials["webhook_password"]

    token = connection_webhook_token_rotate(connection=connection)

    [hook] = hooks_at_paychex(paychex)
    assert hook["uri"] == f"https://connector.example.com/hooks/{token}/"
    connection.refresh_from_db()
    assert connection.credentials["webhook_password"] == password == hook["_authentication"]["password"]


def test_a_new_intake_url_of_a_hook_registered_by_hand_registers_nothing(connection, paychex):
    connection.credentials = {**connection.credentials, "webhook_username": "u", "webhook_password": "typed"}
    connection.save()

    connection_webhook_token_rotate(connection=connection)

    assert hooks_at_paychex(paychex) == []


def test_a_failed_registration_keeps_the_old_credentials_and_hook(connection, paychex):
    connection_webhooks_register(connection=connection)
    connection.refresh_from_db()
    before = dict(connection.credentials)
    # Paychex refuses a hook for a company that has not linked the application (403 API-2).
    connection.config = {"company_id": UNLINKED_COMPANY_ID}
    connection.save()

    with pytest.raises(VendorPermissionError):
        connection_webhooks_register(connection=connection)

    connection.refresh_from_db()
    assert connection.credentials == before
    assert len(hooks_at_paychex(paychex)) == 1


def test_an_owner_registers_from_the_admin_and_sees_it_on_the_connection(client, owner, connection, paychex):
    client.force_login(owner)

    page = client.post(reverse(CHANGELIST), {"action": "register_webhooks", "_selected_action": [connection.pk]},
                       follow=True)

    assert "registered WRKR_DEM, WRKR_CMP, WRKR_EMPL, WRKR_ASGN, WRKR_ADD, CLT_ACCESS for" in " ".join(
        messages_of(page))
    assert len(hooks_at_paychex(paychex)) == 1
    change = client.get(reverse("customer_admin:connections_connection_change", args=[connection.pk])).content.decode()
    assert "this intake URL (BASIC_AUTH, WWEMHMFU)" in change
    connection.refresh_from_db()
    assert connection.credentials["webhook_password"] not in change


def test_a_member_or_an_outsider_cannot_register(client, member, outsider, connection, paychex):
    for user in (member, outsider):
        client.force_login(user)
        client.post(reverse(CHANGELIST), {"action": "register_webhooks", "_selected_action": [connection.pk]})

    assert hooks_at_paychex(paychex) == []
