"""Changing a secret in the admin: stored encrypted, kept when left blank, never in the page or its history."""
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from tests.factories import ConnectionFactory

OLD, NEW = "old-secret-value-1234", "new-secret-value-5678"


def change(client, connection, **fields):
    data = {"tenant": connection.tenant_id, "name": connection.name, "base_url": connection.base_url, **fields}
    return client.post(reverse("customer_admin:connections_connection_change", args=[connection.pk]), data)


def test_a_changed_secret_is_stored_and_never_rendered_or_logged(client, owner, tenant_a):
    connection = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling", credentials={"api_key": OLD})
    client.force_login(owner)

    response = change(client, connection, cred_api_key=NEW)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert connection.credentials["api_key"] == NEW

    for page in ("change", "history"):
        html = client.get(reverse(f"customer_admin:connections_connection_{page}", args=[connection.pk])).content
        assert NEW.encode() not in html and OLD.encode() not in html
    for entry in LogEntry.objects.filter(object_id=str(connection.pk)):
        assert NEW not in entry.change_message and OLD not in entry.change_message


def test_a_blank_secret_keeps_the_stored_one(client, owner, tenant_a):
    connection = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling", credentials={"api_key": OLD})
    client.force_login(owner)

    response = change(client, connection, cred_api_key="", name="Rippling renamed")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Rippling renamed"
    assert connection.credentials["api_key"] == OLD
