"""Rippling App Shop installs end to end over real HTTP: "Connect Rippling", the callback, refresh with
rotation, single-flight refresh, and a revoked install (docs/vendors/rippling.md §1)."""
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection as db_connection
from django.urls import reverse

from changelog.models import ChangeLogEntry
from changelog.services import SECRET_MASK
from connections.models import Connection
from connections.vendors import get_vendor
from connections.vendors.errors import VendorAuthError
from connections.vendors.rippling.oauth import REVOKED_HINT
from sandbox.vendors.rippling import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from tests.factories import MembershipFactory
from tests.parallel import cache_clear
from tests.support.oauth_connect import connect

APP = {"client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET}
HOURS_36 = 129_600


@pytest.fixture
def app_connection(make_sandbox_connection, tenant_a):
    return make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling (App Shop)", credentials=dict(APP))


def installed(client, owner, connection):
    client.force_login(owner)
    landed = connect(client, connection)
    assert landed.status_code == 302
    connection.refresh_from_db()
    return landed


def test_it_installs_from_the_connect_button_and_keeps_the_refresh_token_encrypted(client, owner, app_connection,
                                                                                  sandbox):
    landed = installed(client, owner, app_connection)

    assert landed["Location"] == reverse("customer_admin:connections_connection_change", args=[app_connection.pk])
    assert app_connection.status == Connection.Status.OK, app_connection.last_error
    refresh_token = app_connection.credentials["refresh_token"]
    assert refresh_token.startswith("rpl_refresh_")
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connections_connection WHERE id = %s", [app_connection.pk])
        assert refresh_token not in str(cursor.fetchone()[0])
    [exchange] = sandbox.app.log.filter(vendor="rippling", path_contains="/api/o/token/")
    assert exchange.body["grant_type"] == "authorization_code" and exchange.headers["Authorization"] == "***"
    page = client.get(reverse("customer_admin:connections_connection_change", args=[app_connection.pk]))
    assert "Connect Rippling" in page.content.decode()
    assert "App Shop install can read workers" in " ".join(m.message for m in page.context["messages"])


def test_the_install_is_in_the_change_log_with_the_token_masked(client, owner, app_connection, sandbox):
    installed(client, owner, app_connection)

    entry = ChangeLogEntry.objects.filter(object_type="connection", object_id=app_connection.pk,
                                          action=ChangeLogEntry.Action.UPDATED).get()
    assert entry.actor == owner and entry.tenant == app_connection.tenant
    assert entry.changes["credentials.refresh_token"] == ["", f"{SECRET_MASK} (changed)"]
    assert app_connection.credentials["refresh_token"] not in str(entry.changes)
    assert OAUTH_CLIENT_SECRET not in str(entry.changes)


def test_an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_stored(client, owner, app_connection,
                                                                                   sandbox, rippling):
    installed(client, owner, app_connection)
    first = app_connection.credentials["refresh_token"]
    sandbox.app.clock.advance(HOURS_36 + 60)  # the 36 h access token has expired at Rippling

    get_vendor("rippling").client_for(app_connection).get_worker(sorted(rippling.data["workers"].rows)[1])

    app_connection.refresh_from_db()
    assert app_connection.credentials["refresh_token"] not in ("", first)
    assert rippling.oauth.refreshes == 1
    retired = requests.post(f"{sandbox.url}/rippling/api/o/token/", auth=(OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET),
                            data={"grant_type": "refresh_token", "refresh_token": first}, timeout=5)
    assert retired.status_code == 400  # so the old one must never be used again, and is not


@pytest.mark.django_db(transaction=True)
def test_workers_refreshing_at_once_refresh_once(client, owner, app_connection, sandbox, rippling):
    installed(client, owner, app_connection)
    cache_clear()  # every access token is gone: each client must refresh
    clients = [get_vendor("rippling").client_for(Connection.objects.get(pk=app_connection.pk)) for _ in range(4)]
    worker_id = sorted(rippling.data["workers"].rows)[1]
    errors = []

    def read(one):
        try:
            one.get_worker(worker_id)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=read, args=(one,)) for one in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == [] and rippling.oauth.refreshes == 1


def test_a_revoked_install_fails_the_connection_with_what_to_do(client, owner, app_connection, sandbox, rippling):
    installed(client, owner, app_connection)
    rippling.terminate(sorted(rippling.data["workers"].rows)[0], "2026-11-30")  # the installing admin left
    sandbox.app.log.clear()

    with pytest.raises(VendorAuthError) as raised:
        get_vendor("rippling").client_for(app_connection).get_worker(sorted(rippling.data["workers"].rows)[1])

    assert str(raised.value).startswith(REVOKED_HINT)
    app_connection.refresh_from_db()
    assert app_connection.status == Connection.Status.FAILED
    assert "click “Connect Rippling”" in app_connection.last_error
    statuses = [e.status for e in sandbox.app.log.filter(vendor="rippling") if "/workers/" in e.path]
    assert statuses == [401]  # one try, one refresh (refused), no retry loop


def test_a_callback_this_session_did_not_start_is_refused(client, owner, app_connection, sandbox, rippling):
    client.force_login(owner)
    code = rippling.install_code(OAUTH_CLIENT_ID, "http://127.0.0.1:8000/admin/")["code"]

    answer = client.get(reverse("customer_admin:connections_connection_oauth_callback"), {"code": code, "state": "forged"})

    assert answer.status_code == 302
    app_connection.refresh_from_db()
    assert "refresh_token" not in app_connection.credentials
    assert not sandbox.app.log.filter(vendor="rippling", path_contains="/api/o/token/")


def test_a_state_works_once_and_only_for_its_user(client, owner, tenant_a, app_connection, sandbox):
    client.force_login(owner)
    started = client.post(reverse("customer_admin:connections_connection_connect", args=[app_connection.pk]))
    back = urlsplit(requests.get(started["Location"], allow_redirects=False, timeout=5).headers["Location"])
    other = MembershipFactory(tenant=tenant_a, role="owner", user__username="second-owner").user
    session = client.session
    client.force_login(other)  # a new session: the state is not in it
    client.get(f"{back.path}?{back.query}")
    app_connection.refresh_from_db()
    assert "refresh_token" not in app_connection.credentials
    assert parse_qs(back.query)["state"]


def test_connect_is_a_post_and_outsiders_cannot(client, owner, outsider, member, app_connection):
    client.force_login(owner)
    assert client.get(reverse("customer_admin:connections_connection_connect", args=[app_connection.pk])).status_code == 403
    for user in (outsider, member):
        client.force_login(user)
        answer = client.post(reverse("customer_admin:connections_connection_connect", args=[app_connection.pk]))
        assert answer.status_code in (403, 404)


def test_the_form_takes_an_api_key_or_both_app_credentials(client, owner, tenant_a):
    client.force_login(owner)
    add = reverse("customer_admin:connections_connection_add") + "?kind=rippling"
    base = {"tenant": tenant_a.pk, "name": "R", "base_url": "https://rest.ripplingapis.com",
            "cfg_token_url": "https://app.rippling.com/api/o/token/",
            "cfg_authorize_url": "https://app.rippling.com/o/authorize"}

    nothing = client.post(add, base)
    half = client.post(add, {**base, "cred_client_id": OAUTH_CLIENT_ID})
    app = client.post(add, {**base, "cred_client_id": OAUTH_CLIENT_ID, "cred_client_secret": OAUTH_CLIENT_SECRET})

    assert "Enter API key." in nothing.content.decode()
    assert "Enter App Shop client secret." in half.content.decode()
    stored = Connection.objects.get(name="R").credentials
    assert app.status_code == 302 and {k: v for k, v in stored.items() if v} == APP
