"""Access-token caching, per connection.

Tokens are shared by every worker through Django's cache (Redis in production),
so a fleet asks the vendor for one token, not one per process. They are secrets,
so they are stored Fernet-encrypted with the field keys.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Protocol


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


class MemoryTokenCache:
    def __init__(self):
        self._tokens: dict[str, Token] = {}

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
