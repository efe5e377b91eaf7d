"""Access-token caching, per connection.

Tokens are shared by every worker through Django's cache (Redis in production),
so a fleet asks the vendor for one token, not one per process. They are secrets,
so they are stored Fernet-encrypted with the field keys.

Renewal is single-flight: whoever finds the token missing or about to expire takes the
connection's renewal lock (redis-py's `Lock` on Redis, a file lock on the embedded
default), reads the cache again, and fetches only if nobody did meanwhile. The client's side of this
(the token it holds, when it asks the cache, renewing, dropping a refused token) is `ClientTokens`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, ContextManager, Protocol

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


class ClientTokens:
    """A client's side of its bearer token, mixed into `BaseClient`: the token it last used, the shared cache
    asked only when that one is about to expire, single-flight renewal, and dropping a refused token.

    Relies on what `BaseClient.__init__` sets: `token_cache`, `cache_key`, `_token_lock` and `_token`.
    """

    # Renew this many seconds before expiry, so a token never dies mid-page.
    token_renew_margin: ClassVar[float] = 120.0

    def fetch_token(self) -> Token | None:
        """Obtain a fresh token; None for vendors with static keys."""
        return None

    @property
    def renews_tokens(self) -> bool:
        """Static API keys have nothing to renew: a 401 is final at once."""
        return type(self).fetch_token is not ClientTokens.fetch_token

    def _usable_token(self) -> Token | None:
        # The shared cache (a file or Redis read plus a Fernet decryption) is asked only when the token this
        # client last used is about to expire; a token revoked meanwhile answers 401, which re-authenticates.
        token = self._token
        if token is None or token.expires_within(self.token_renew_margin):
            token = self.token_cache.get(self.cache_key)
        if token and not token.expires_within(self.token_renew_margin):
            self._token = token
            return token
        return None

    def token(self) -> Token | None:
        token = self._usable_token()
        if token or not self.renews_tokens:
            return token
        # Single flight: the engine's write threads share this client (its lock), every worker of the
        # connection shares the cache (its renewal lock); under both the cache is read again first.
        with self._token_lock, self.token_cache.renewal_lock(self.cache_key):
            return self._usable_token() or self._token_fetch()

    def _token_fetch(self) -> Token | None:
        token = self.fetch_token()
        if token:
            self.token_cache.set(self.cache_key, token)
        self._token = token
        return token

    def invalidate_token(self) -> None:
        """After a 401: drop the token, unless another worker already replaced it with a fresh one."""
        refused, self._token = self._token, None
        with self.token_cache.renewal_lock(self.cache_key):
            cached = self.token_cache.get(self.cache_key)
            if cached is None or refused is None or cached.value == refused.value:
                self.token_cache.delete(self.cache_key)
