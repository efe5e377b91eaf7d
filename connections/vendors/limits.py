"""Pacing a vendor's calls: the quota a vendor publishes, the limiter interface, jittered backoff.

Module-level `full_jitter` so tests can replace it; the shared limiters themselves live in `syncs/ratelimit.py`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable


def full_jitter(cap: float) -> float:
    """AWS-style full jitter; module-level so tests can replace it."""
    return random.uniform(0, cap)


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0,
                  jitter: Callable[[float], float] = full_jitter) -> float:
    return jitter(min(cap, base * (2 ** attempt)))


@dataclass(frozen=True)
class RateLimit:
    """A quota a vendor publishes: `limit` per `seconds`. Scope "" counts every request of the account (the
    base client acquires it before each call); a named scope is acquired by the client itself, per `key` (a
    dataset, a board) and with a weight (rows), e.g. Power BI's 1,000,000 rows per hour per dataset."""

    limit: int
    seconds: float
    scope: str = ""


class NoRateLimit:
    """Rate limiter interface: `acquire()` before each call, `backoff(seconds)` after a 429; clients with
    scoped `rate_limits` also call `acquire(scope=…, key=…, weight=…)`."""

    def acquire(self, *, scope: str = "", key: str = "", weight: int = 1) -> None:
        return None

    def backoff(self, seconds: float) -> None:
        return None
