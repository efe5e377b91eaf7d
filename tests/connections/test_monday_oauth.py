"""Connecting monday.com by OAuth over real HTTP: "Connect monday.com", the sandbox's approval, the callback that
keeps the access token encrypted as the connection's API token; the form takes a token or both app credentials;
outsiders and viewers cannot connect."""
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection as db_connection
from django.urls import reverse

from connections.models import Connection
from connections.vendors import get_vendor
from connections.vendors.errors import VendorAuthError
from sandbox.vendors.monday import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from tests.support.oauth_connect import connect

APP = {"client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET}


@pytest.fixture
def app_connection(make_sandbox_connection, tenant_a):
    return make_sandbox_connection("monday", tenant=tenant_a, name="monday (app)", credentials=dict(APP))


def test_it_connects_from_the_button_and_keeps_the_token_encrypted(client, owner, app_connection, sandbox):
    client.force_login(owner)
    page = client.get(reverse("customer_admin:connections_connection_change", args=[app_connection.pk]))
    assert "Connect monday.com" in page.content.decode()

    landed = connect(client, app_connection)

    assert landed["Location"] == reverse("customer_admin:connections_connection_change", args=[app_connection.pk])
    app_connection.refresh_from_db()
    assert app_connection.status == Connection.Status.OK, app_connection.last_error
    token = app_connection.credentials["api_token"]
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connections_connection WHERE id = %s", [app_connection.pk])
        assert token not in str(cursor.fetchone()[0])
    [exchange] = sandbox.app.log.filter(vendor="monday", path_contains="/oauth2/token")
    assert exchange.body["client_id"] == OAUTH_CLIENT_ID and exchange.body["client_secret"] == "***"
    # The token is an app token: webhooks it creates are signed.
    assert sandbox.app["monday"].personal_tokens[token][1] == "app"


def test_an_app_connection_not_yet_connected_says_what_to_do(app_connection, sandbox):
    with pytest.raises(VendorAuthError, match="click “Connect monday.com”"):
        get_vendor("monday").client_for(app_connection).check_connection()
    assert sandbox.app.log.filter(vendor="monday", path_contains="/v2") == []  # nothing sent without a token


def test_a_code_works_once(client, owner, app_connection, sandbox):
    client.force_login(owner)
    answer = client.post(reverse("customer_admin:connections_connection_connect", args=[app_connection.pk]))
    approved = requests.get(answer["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(approved.headers["Location"])
    code = dict(p.split("=") for p in back.query.split("&"))["code"]
    client.get(f"{back.path}?{back.query}")

    with pytest.raises(VendorAuthError):
        get_vendor("monday").client_for(app_connection).install_complete(code=code, redirect_uri="http://x/cb")


def test_the_credentials_are_a_token_or_both_app_halves():
    vendor = get_vendor("monday")
    assert vendor.credentials_missing({"api_token": "t"}) == []
    assert vendor.credentials_missing(dict(APP)) == []
    assert vendor.credentials_missing({"client_id": OAUTH_CLIENT_ID}) == ["client_secret"]
    assert vendor.credentials_missing({}) == ["api_token"]


def test_connect_is_a_post_for_managers_of_the_connection_only(client, outsider, member, app_connection):
    url = reverse("customer_admin:connections_connection_connect", args=[app_connection.pk])
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in (403, 404, 405)
    client.force_login(member)
    assert client.post(url).status_code in (403, 404)
