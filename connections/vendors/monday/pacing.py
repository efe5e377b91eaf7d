"""Pacing monday.com calls by their complexity, and one mutation at a time per board (docs/vendors/monday.md §6).

monday's budget is points per minute per account; each response tells what the query cost and what is left
(`complexity { query after reset_in_x_seconds }` in the body, `RateLimit: …"complexityMinute";r=…;t=…` in the
headers). A `ComplexityPacer` remembers both, per connection, so before a document whose last cost exceeds
what is left the client waits for the reset instead of being refused. The pacers and board locks are shared by
the clients of one connection in this process (the engine's write threads); across processes a refusal
(COMPLEXITY_BUDGET_EXHAUSTED with retry_in_seconds) is still waited out, see `MondayClient.graphql`.
"""
from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

COMPLEXITY_HEADER = re.compile(r'"complexityMinute";r=(\d+)(?:;t=(\d+))?')


class ComplexityPacer:
    def __init__(self):
        self._lock = threading.Lock()
        self.costs: dict[str, int] = {}  # document name → points it cost last time
        self.remaining: int | None = None
        self._resets_at: float | None = None  # time.monotonic() when the budget is full again
        self.waits: list[float] = []  # for tests and benchmarks: every wait the pacer asked for

    def wait_before(self, name: str) -> float:
        """Seconds to wait before sending `name`, so that monday does not refuse it (0 if it fits)."""
        with self._lock:
            cost = self.costs.get(name)
            if cost is None or self.remaining is None or cost <= self.remaining or self._resets_at is None:
                return 0.0
            wait = max(0.0, self._resets_at - time.monotonic())
            # After the wait the budget is unknown until the next answer tells it.
            self.remaining, self._resets_at = None, None
            self.waits.append(wait)
            return wait

    def observe(self, name: str, *, cost: int | None, remaining: int | None, reset_in: float | None) -> None:
        with self._lock:
            if cost is not None:
                self.costs[name] = cost
            if remaining is not None:
                self.remaining = remaining
            if reset_in is not None:
                self._resets_at = time.monotonic() + reset_in

    def exhausted(self, retry_in: float) -> None:
        with self._lock:
            self.remaining, self._resets_at = 0, time.monotonic() + retry_in
            self.waits.append(retry_in)


def budget_from_headers(headers) -> tuple[int | None, float | None]:
    found = COMPLEXITY_HEADER.search(headers.get("RateLimit", ""))
    if not found:
        return None, None
    return int(found.group(1)), float(found.group(2)) if found.group(2) else None


_registry_lock = threading.Lock()
_pacers: dict[str, ComplexityPacer] = {}
_board_locks: dict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)


def pacer_for(connection_key: str) -> ComplexityPacer:
    with _registry_lock:
        return _pacers.setdefault(connection_key, ComplexityPacer())


def pacers_forget() -> None:
    """Drop what every pacer learnt (tests: connection ids repeat between tests, budgets do not carry over)."""
    with _registry_lock:
        _pacers.clear()


@contextmanager
def board_serialised(connection_key: str, board_id: str):
    """monday advises one mutation at a time per board: concurrent ones can corrupt board data ([BP])."""
    with _registry_lock:
        lock = _board_locks[(connection_key, str(board_id))]
    with lock:
        yield
