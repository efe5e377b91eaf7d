"""A rate limiter shared by every worker, per vendor account.

Two things are shared: the vendor's own quota, when a client declares one (`rate_limits`),
enforced with pyrate-limiter on a Redis bucket (production) or a file-locked SQLite bucket
(the embedded default); and a "blocked until" mark set after a 429, so once one worker is
told to wait, all of them wait Retry-After seconds instead of hammering the vendor.
"""
from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from pyrate_limiter import Duration, Limiter, Rate, RedisBucket, SQLiteBucket

from connections.vendors.base import RateLimit
from connections.vendors.errors import VendorRateLimited

_limiters: dict[str, Limiter] = {}
_lock = threading.Lock()
# When this process last read "not blocked" for an account (time.monotonic()): the shared mark is read again
# only after BLOCK_READ_EVERY seconds, not before every request (that was a file or Redis read per call). A 429
# seen here forgets it at once; another worker's block is heeded within BLOCK_READ_EVERY.
BLOCK_READ_EVERY = 1.0
_unblocked_at: dict[str, float] = {}


def bucket_table(key: str) -> str:
    """The SQLite table of one account's bucket. A stable digest, not `hash()`: Python randomises `hash` per
    process, and every worker process must name the same table to share the quota."""
    return "rl_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _limiter(key: str, rates: tuple[tuple[int, float], ...]) -> Limiter:
    with _lock:
        if key not in _limiters:
            pyrate_rates = [Rate(limit, int(seconds * Duration.SECOND)) for limit, seconds in rates]
            if settings.REDIS_URL:
                from redis import Redis

                bucket = RedisBucket.init(pyrate_rates, Redis.from_url(settings.REDIS_URL),
                                         f"{settings.REDIS_KEY_PREFIX}ratelimit:{key}")
            else:
                path = Path(settings.VAR_DIR) / "ratelimit.sqlite"
                bucket = SQLiteBucket.init_from_file(pyrate_rates, table=bucket_table(key), db_path=str(path),
                                                     use_file_lock=True)
            _limiters[key] = Limiter(bucket)
        return _limiters[key]


class SharedRateLimiter:
    """Implements the base client's limiter interface: `acquire()` and `backoff(seconds)`."""

    def __init__(self, key: str, rates: tuple[tuple[int, float] | RateLimit, ...] = (), max_wait: float = 30.0,
                 sleep=time.sleep):
        self.key = key
        self.scoped: dict[str, tuple[tuple[int, float], ...]] = {}
        for rate in rates:
            rate = rate if isinstance(rate, RateLimit) else RateLimit(*rate)
            self.scoped[rate.scope] = (*self.scoped.get(rate.scope, ()), (rate.limit, rate.seconds))
        self.rates = self.scoped.get("", ())
        self.max_wait = max_wait
        self.sleep = sleep

    @property
    def _block_key(self) -> str:
        return f"ratelimit-block:{self.key}"

    def acquire(self, *, scope: str = "", key: str = "", weight: int = 1) -> None:
        if scope:
            self._acquire_scoped(scope, key, weight)
            return
        blocked_until = self._blocked_until()
        if blocked_until:
            wait = blocked_until - time.time()
            if wait > self.max_wait:
                raise VendorRateLimited(
                    f"The vendor asked us to wait {wait:.0f}s more before calling again; the sync resumes then.",
                    retry_after=wait)
            if wait > 0:
                self.sleep(wait)
        if self.rates:
            acquired = _limiter(self.key, self.rates).try_acquire(self.key, blocking=True, timeout=self.max_wait)
            if not acquired:
                raise VendorRateLimited("Our own request budget for this vendor account is used up; "
                                        "the sync resumes when it refills.", retry_after=self.max_wait)

    def _acquire_scoped(self, scope: str, key: str, weight: int) -> None:
        rates = self.scoped.get(scope)
        if not rates:
            return
        if not _limiter(f"{self.key}:{scope}:{key}", rates).try_acquire(key or scope, weight=weight, blocking=True,
                                                                        timeout=self.max_wait):
            raise VendorRateLimited(f"The vendor's {scope} quota for {key or 'this account'} is used up for now; "
                                    "the sync resumes when it refills.", retry_after=self.max_wait)

    def _blocked_until(self) -> float:
        if time.monotonic() - _unblocked_at.get(self.key, -BLOCK_READ_EVERY) < BLOCK_READ_EVERY:
            return 0.0
        until = cache.get(self._block_key) or 0.0
        if until <= time.time():
            _unblocked_at[self.key] = time.monotonic()
        return until

    def backoff(self, seconds: float) -> None:
        until = time.time() + seconds
        current = cache.get(self._block_key) or 0
        if until > current:
            cache.set(self._block_key, until, timeout=int(seconds) + 5)
        _unblocked_at.pop(self.key, None)
