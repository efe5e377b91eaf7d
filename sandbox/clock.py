"""The sandbox's clock and what runs on it: tokens that expire and fixed-window rate limits.

Every vendor of one sandbox shares a single `Clock`; a test moves it forward (POST /_sandbox/clock) to expire
tokens or end a rate window without waiting. `TokenIssuer` and `FixedWindowLimiter` read only this clock,
never the wall clock directly, which is why they live beside it.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


class Clock:
    """Wall clock with an offset tests can move (token expiry, rate windows)."""

    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class IssuedToken:
    value: str
    subject: dict
    expires_at: float
    revoked: bool = False


class TokenIssuer:
    def __init__(self, clock: Clock, lifetime: float = 3600, prefix: str = "tok"):
        self.clock = clock
        self.lifetime = lifetime
        self.prefix = prefix
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, subject: dict, lifetime: float | None = None) -> IssuedToken:
        lifetime = self.lifetime if lifetime is None else lifetime
        token = IssuedToken(f"{self.prefix}_{secrets.token_urlsafe(24)}", dict(subject), self.clock.now() + lifetime)
        with self._lock:
            self._tokens[token.value] = token
            self.issued += 1
        return token

    def validate(self, value: str | None) -> IssuedToken | None:
        token = self._tokens.get(value or "")
        if token is None or token.revoked or token.expires_at <= self.clock.now():
            return None
        return token

    def revoke_all(self) -> int:
        with self._lock:
            live = [t for t in self._tokens.values() if not t.revoked]
            for token in live:
                token.revoked = True
        return len(live)

    def seconds_left(self, token: IssuedToken) -> int:
        return max(0, int(token.expires_at - self.clock.now()))


class FixedWindowLimiter:
    """N requests per window per caller key, like most vendor gateways."""

    def __init__(self, clock: Clock, limit: int | None, window: float):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one request; returns (allowed, remaining, seconds until reset)."""
        if self.limit is None:
            return True, 1_000_000, self.window
        now = self.clock.now()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
        reset = max(0.0, start + self.window - now)
        return count <= self.limit, max(0, self.limit - count), reset

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

