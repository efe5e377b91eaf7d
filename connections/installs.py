"""Connecting a vendor account by OAuth2 authorization code (Rippling App Shop installs, docs/vendors/rippling.md §1).

A vendor client that can be installed this way has `authorize_url(redirect_uri=, state=)` and
`install_complete(code=, redirect_uri=)`; the registry's client is asked, never the vendor's kind.

The `state` parameter ties the vendor's redirect back to the browser session, the user and the
connection that started it: it is random (256 bits), kept only in the user's session, single-use and
valid for 10 minutes. A callback whose state this session did not issue is refused, so nobody can make
another user's browser attach an install of theirs to that user's connection (login CSRF).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.db import transaction

from changelog.services import change_record
from changelog.snapshots import connection_snapshot
from connections.models import Connection
from connections.services import ConnectionTestResult, connection_test
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError

SESSION_KEY = "oauth-installs"
STATE_SECONDS = 600
STATES_KEPT = 5  # a user may have a few installs going (tabs); older states are dropped


class InstallRefused(Exception):
    """The callback cannot be accepted (unknown/expired state, another user, the vendor said no)."""


@dataclass(frozen=True)
class InstallStart:
    authorize_url: str
    state: str


def connection_installable(*, connection: Connection) -> bool:
    return hasattr(get_vendor(connection.kind).client_class, "install_complete")


def oauth_install_start(*, connection: Connection, user, session, redirect_uri: str, next_url: str = "") -> InstallStart:
    """Where to send the admin's browser; the state is remembered in `session`."""
    client = get_vendor(connection.kind).client_for(connection)
    state = secrets.token_urlsafe(32)
    pending = {key: value for key, value in (session.get(SESSION_KEY) or {}).items()
               if value.get("at", 0) > time.time() - STATE_SECONDS}
    pending = dict(sorted(pending.items(), key=lambda item: item[1]["at"])[-(STATES_KEPT - 1):])
    pending[state] = {"connection": connection.pk, "tenant": connection.tenant_id, "user": user.pk,
                      "redirect_uri": redirect_uri, "next": next_url, "at": time.time()}
    session[SESSION_KEY] = pending
    return InstallStart(authorize_url=client.authorize_url(redirect_uri=redirect_uri, state=state), state=state)


def oauth_install_state_take(*, session, state: str, user, tenant_ids: list[int]) -> dict:
    """The install this session started with `state` (forgotten at once: a state works once)."""
    pending = dict(session.get(SESSION_KEY) or {})
    started = pending.pop(state, None) if state else None
    session[SESSION_KEY] = pending
    if started is None or started["at"] <= time.time() - STATE_SECONDS:
        raise InstallRefused("This Rippling sign-in was not started from this browser session, or it took longer "
                             "than 10 minutes. Click “Connect” on the connection again.")
    if started["user"] != user.pk or started["tenant"] not in tenant_ids:
        raise InstallRefused("This install was started by another user.")
    return started


def oauth_install_complete(*, connection: Connection, code: str, redirect_uri: str,
                           actor=None) -> ConnectionTestResult:
    """Exchange the code, keep the refresh token (encrypted), then test the connection as usual. The install is
    a change of the connection's credentials, so it is in the change log (who, when; the token only masked)."""
    client = get_vendor(connection.kind).client_for(connection)
    try:
        refresh_token = client.install_complete(code=code, redirect_uri=redirect_uri)
    except VendorError as error:
        raise InstallRefused(str(error)) from None
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        before, before_secrets = connection_snapshot(locked)
        locked.credentials = {**(locked.credentials or {}), "refresh_token": refresh_token}
        locked.status = Connection.Status.UNTESTED
        locked.save(update_fields=["credentials", "status", "updated_at"])
        after, after_secrets = connection_snapshot(locked)
        change_record(tenant=locked.tenant, actor=actor, obj=locked, object_type="connection", action="updated",
                      before=before, after=after, secrets=before_secrets | after_secrets)
    connection.refresh_from_db()
    from syncs.schedules import schedules_sync_for_connection

    schedules_sync_for_connection(connection=connection)  # webhooks now carry the changes: the poll is the backstop
    return connection_test(connection=connection)
