"""The push quotas of docs/vendors/powerbi.md §5, per dataset, on sliding windows (the strictest reading: a
client paced for these passes a vendor counting in fixed windows too), and a clock tests can compress.

Over a quota the answer is 429 with Retry-After in real seconds, i.e. what the caller must actually wait
however compressed the clock is.
"""
from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from contextlib import contextmanager

from sandbox.vendors.powerbi.contract import (
    MAX_PENDING_POSTS,
    MAX_POSTS_PER_HOUR_LARGE_TABLE,
    MAX_POSTS_PER_MINUTE,
    MAX_ROWS_PER_HOUR,
    UNCONFIRMED,
    PowerBIError,
)

ROWS_PER_HOUR_MESSAGE = ("You are over your rows per hour limit for this dataset. To push more rows per hour, "
                         "upgrade your account to Power BI Pro or retry your push later.")  # [LIM-OLD]


class CompressedClock:
    """Time that runs `speed` times faster than the wall clock (on top of the sandbox clock's offset), so an
    hour of quota passes in seconds. Speed 1 is real time."""

    def __init__(self, base):
        self.base = base
        self.speed = 1.0
        self._extra = 0.0  # seconds gained at earlier speeds
        self._since = time.time()

    def set_speed(self, speed: float) -> None:
        now = time.time()
        self._extra += (now - self._since) * (self.speed - 1)
        self._since, self.speed = now, float(speed)

    def now(self) -> float:
        return self.base.now() + self._extra + (time.time() - self._since) * (self.speed - 1)

    def real_seconds(self, seconds: float) -> int:
        return max(1, math.ceil(seconds / self.speed))


class SlidingLog:
    """(time, weight) entries of one dataset in one window."""

    def __init__(self, window: float):
        self.window = window
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0

    def expire(self, now: float) -> None:
        while self.entries and self.entries[0][0] <= now - self.window:
            self.total -= self.entries.popleft()[1]

    def wait_for(self, now: float, weight: int, limit: int) -> float:
        """Seconds until `weight` more fits under `limit` (0 if it fits now)."""
        self.expire(now)
        excess = self.total + weight - limit
        if excess <= 0:
            return 0.0
        freed = 0
        for at, entry_weight in self.entries:
            freed += entry_weight
            if freed >= excess:
                return at + self.window - now
        return self.window

    def add(self, now: float, weight: int) -> None:
        self.entries.append((now, weight))
        self.total += weight


class PushQuotas:
    def __init__(self, clock: CompressedClock):
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self._lock = threading.Lock()
        self.posts_minute: dict[str, SlidingLog] = defaultdict(lambda: SlidingLog(60))
        self.posts_hour: dict[str, SlidingLog] = defaultdict(lambda: SlidingLog(3600))
        self.rows_hour: dict[str, SlidingLog] = defaultdict(lambda: SlidingLog(3600))
        self.pending: dict[str, int] = defaultdict(int)
        self.rejected = 0  # 429s served for row quotas, for tests and benchmarks
        self.post_delay = 0.0  # seconds a POST rows stays pending (to make concurrent POSTs overlap)

    def _refuse(self, wait: float, message: str) -> PowerBIError:
        self.rejected += 1
        return PowerBIError(429, UNCONFIRMED["rate_limited_code"], message,
                            retry_after=self.clock.real_seconds(wait))

    @contextmanager
    def post(self, dataset_id: str, rows: int, large_table: bool):
        """Admit one POST rows request of `rows` rows, or raise the 429; held while the request is pending."""
        with self._lock:
            now = self.clock.now()
            if self.pending[dataset_id] >= MAX_PENDING_POSTS:
                raise self._refuse(1, f"Dataset '{dataset_id}' already has {MAX_PENDING_POSTS} pending POST rows "
                                      "requests.")
            checks = [(self.posts_minute[dataset_id], 1, MAX_POSTS_PER_MINUTE,
                       f"Over {MAX_POSTS_PER_MINUTE} POST rows requests per minute for this dataset.")]
            if large_table:
                checks.append((self.posts_hour[dataset_id], 1, MAX_POSTS_PER_HOUR_LARGE_TABLE,
                               f"Over {MAX_POSTS_PER_HOUR_LARGE_TABLE} POST rows requests per hour for a dataset "
                               "with a table of 250,000 rows or more."))
            checks.append((self.rows_hour[dataset_id], rows, MAX_ROWS_PER_HOUR, ROWS_PER_HOUR_MESSAGE))
            for log, weight, limit, message in checks:
                wait = log.wait_for(now, weight, limit)
                if wait > 0:
                    raise self._refuse(wait, message)
            self.posts_minute[dataset_id].add(now, 1)
            self.posts_hour[dataset_id].add(now, 1)  # counted always: a table may grow past 250k meanwhile
            self.rows_hour[dataset_id].add(now, rows)
            self.pending[dataset_id] += 1
        try:
            if self.post_delay:
                time.sleep(self.post_delay)
            yield
        finally:
            with self._lock:
                self.pending[dataset_id] -= 1
