"""Credentials a vendor client changes itself: OAuth refresh tokens that the vendor rotates.

A client is plain Python and knows no models; the vendor's `client_for` hands it a
`ConnectionCredentialStore` for its connection. The store gives the client three things:

* `refresh_lock()`: one refresh at a time for the connection across every worker process. With a
  rotating refresh token, two workers refreshing at once would each present the same token and the
  loser would find it retired. Threads of one client already wait on the base client's token lock;
  this lock is for processes (redis-py's `Lock` on Redis, `flock` on the embedded default).
* `current()`: the credentials as stored now, so a worker uses the refresh token another one just got.
* `refresh_token_rotate()` and `install_revoked()`: write what happened, encrypted, in one UPDATE.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

LOCK_SECONDS = 60  # a token request has a 30 s timeout; the lock outlives it, never a dead worker


class ConnectionCredentialStore:
    def __init__(self, connection_id: int):
        self.connection_id = connection_id

    def _connections(self):
        from connections.models import Connection

        return Connection.objects.filter(pk=self.connection_id)

    @contextmanager
    def refresh_lock(self):
        name = f"vendor-token-refresh:{self.connection_id}"
        redis = redis_client()
        if redis is not None:
            with redis.lock(name, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
                yield
            return
        folder = Path(settings.VAR_DIR) / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{name.replace(':', '-')}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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


def redis_client():
    """The Redis connection behind the default cache, or None on the embedded default (file cache)."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    return get_client(write=True) if callable(get_client) and "Redis" in type(cache).__name__ else None
