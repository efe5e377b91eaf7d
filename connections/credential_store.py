"""Credentials a vendor client changes itself: OAuth refresh tokens that the vendor rotates.

A client is plain Python and knows no models; the vendor's `client_for` hands it a
`ConnectionCredentialStore` for its connection. Refreshes are single-flight already (the base client's
token lock and the token cache's renewal lock); with a rotating refresh token that matters, since two
workers presenting the same one would leave the loser with a retired token. The store gives the client:

* `current()`: the credentials as stored now, so a worker uses the refresh token another one just got;
* `refresh_token_rotate()` and `install_revoked()`: write what happened (encrypted credentials, status).
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone


class ConnectionCredentialStore:
    def __init__(self, connection_id: int):
        self.connection_id = connection_id

    def _connections(self):
        from connections.models import Connection

        return Connection.objects.filter(pk=self.connection_id)

    def current(self) -> dict:
        connection = self._connections().only("credentials").first()
        return dict(connection.credentials or {}) if connection else {}

    def refresh_token_rotate(self, *, refresh_token: str) -> None:
        from connections.models import Connection

        with transaction.atomic():
            connection = Connection.objects.select_for_update().filter(pk=self.connection_id).first()
            if connection is None:
                return
            credentials = dict(connection.credentials or {})
            credentials["refresh_token"] = refresh_token
            connection.credentials = credentials
            connection.save(update_fields=["credentials", "updated_at"])

    def install_revoked(self, *, message: str) -> None:
        """The vendor revoked the install: the connection is failing until someone connects it again."""
        from connections.models import Connection
        from notifications.hooks import connection_tested

        self._connections().update(status=Connection.Status.FAILED, last_error=message,
                                   last_tested_at=timezone.now())
        connection_tested(connection_id=self.connection_id, ok=False)

