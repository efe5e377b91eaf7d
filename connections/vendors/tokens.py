"""Access-token caching, per connection.

Tokens are shared by every worker through Django's cache (Redis in production),
so a fleet asks the vendor for one token, not one per process. They are secrets,
so they are stored Fernet-encrypted with the field keys.

Renewal is single-flight: whoever finds the token missing or about to expire takes the
connection's renewal lock (redis-py's `Lock` on Redis, a file lock on the embedded
default), reads the cache again, and fetches only if nobody did meanwhile.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ContextManager, Protocol

logger = logging.getLogger(__name__)
# Longer than one token request with its retries; a renewer that died frees the lock after this.
RENEWAL_LOCK_SECONDS = 60.0


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # epoch seconds

    @classmethod
    def from_oauth(cls, body: dict, *, default_lifetime: float = 3600) -> "Token":
        try:
            lifetime = float(body.get("expires_in") or default_lifetime)
        except (TypeError, ValueError):
            lifetime = default_lifetime
        return cls(value=body["access_token"], expires_at=time.time() + lifetime)

    def expires_within(self, seconds: float) -> bool:
        return time.time() + seconds >= self.expires_at


class TokenCache(Protocol):
    def get(self, key: str) -> Token | None: ...

    def set(self, key: str, token: Token) -> None: ...

    def delete(self, key: str) -> None: ...

    def renewal_lock(self, key: str) -> ContextManager: ...


class MemoryTokenCache:
    def __init__(self):
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def renewal_lock(self, key):
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def get(self, key):
        return self._tokens.get(key)

    def set(self, key, token):
        self._tokens[key] = token

    def delete(self, key):
        self._tokens.pop(key, None)


class DjangoCacheTokenCache:
    prefix = "vendor-token:"

    def __init__(self):
        from django.core.cache import cache

        self.cache = cache

    def get(self, key):
        from cryptography.fernet import InvalidToken

        from mlconnector.fields import multifernet

        raw = self.cache.get(self.prefix + key)
        if not raw:
            return None
        try:
            data = json.loads(multifernet().decrypt(raw.encode()))
        except (InvalidToken, ValueError):
            # A token cached under a retired key is simply fetched again.
            return None
        return Token(value=data["value"], expires_at=data["expires_at"])

    def set(self, key, token):
        from mlconnector.fields import multifernet

        ttl = max(1, int(token.expires_at - time.time()))
        payload = json.dumps({"value": token.value, "expires_at": token.expires_at}).encode()
        self.cache.set(self.prefix + key, multifernet().encrypt(payload).decode(), timeout=ttl)

    def delete(self, key):
        self.cache.delete(self.prefix + key)

    @contextmanager
    def renewal_lock(self, key):
        """Held by one worker of the fleet at a time. If it cannot be had in time (a stuck holder), the
        caller renews anyway: a second token request beats a stopped sync."""
        from django.conf import settings

        name = "vendor-token-lock:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        if settings.REDIS_URL:
            from redis import Redis

            lock = Redis.from_url(settings.REDIS_URL).lock(settings.REDIS_KEY_PREFIX + name,
                                                           timeout=RENEWAL_LOCK_SECONDS,
                                                           blocking_timeout=RENEWAL_LOCK_SECONDS)
        else:
            from pathlib import Path

            from filelock import FileLock

            folder = Path(settings.VAR_DIR) / "locks"
            folder.mkdir(exist_ok=True)
            lock = FileLock(folder / f"{name.replace(':', '-')}.lock", timeout=RENEWAL_LOCK_SECONDS,
                            thread_local=False)
        held = _acquired(lock)
        try:
            yield
        finally:
            if held:
                try:
                    lock.release()
                except Exception:  # a Redis lock that expired meanwhile: nothing left to release
                    logger.warning("Token renewal lock %s was already gone", name)


def _acquired(lock) -> bool:
    from filelock import Timeout

    try:
        if lock.acquire() is False:  # redis-py returns False after blocking_timeout
            raise Timeout(str(lock))
        return True
    except Timeout:
        logger.warning("Token renewal lock not acquired in %ss; renewing without it", RENEWAL_LOCK_SECONDS)
        return False


def default_token_cache() -> TokenCache:
    try:
        return DjangoCacheTokenCache()
    except Exception:  # settings not configured (plain scripts): fall back to process memory
        return MemoryTokenCache()
