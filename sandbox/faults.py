"""Faults a vendor sandbox can be told to inject, before or after it applies a request.

Before: the request is refused or delayed and nothing is applied (5xx, 429 storms, latency, a slow
answer). After, for writes only: the write is applied, then the caller gets a 5xx or no answer at all
(the connection hangs until the client gives up, then is closed) — the "timeout after commit" that makes
a blind retry create a record twice. Or later (`apply_later_next`): the write is held unanswered and applied
only after a delay, as a vendor that queues writes would, so a lookup made as soon as the caller's timeout
fires finds nothing yet. Each fault has a ratio form (seeded, so a run is repeatable) and a
queue form (the next N requests or writes), and is settable over HTTP from another process
(`POST /_sandbox/<vendor>/faults`, see `Faults.configure`).
"""
from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What the control API may set directly; the queue forms have their own keys (see `configure`).
SETTABLE = ("error_ratio", "error_status", "error_after_ratio", "timeout_ratio", "timeout_seconds", "latency_ms",
            "malformed_ratio", "revoke_tokens_after", "storm_ratio", "storm_length", "storm_retry_after",
            "hang_after_ratio", "hang_seconds")


@dataclass
class Injected:
    """A fault chosen for one request: `kind` is what the request log records."""

    kind: str  # "error" | "storm" | "queued" (before) · "error_after" | "hang_after" (after) · "apply_later"
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: Any = None


@dataclass
class Faults:
    """Faults injected into a vendor's API (not its token endpoint unless asked)."""

    # --- before the request is handled: nothing is applied
    error_ratio: float = 0.0  # answered error_status without being applied
    error_status: int = 503
    timeout_ratio: float = 0.0  # waits timeout_seconds, then is served normally
    timeout_seconds: float = 5.0
    latency_ms: float = 0.0  # every request waits this long first, as a distant vendor would
    malformed_ratio: float = 0.0
    revoke_tokens_after: int | None = None  # revoke all tokens once this many API calls were served
    # 429 storms: a request starts one with storm_ratio; then storm_length requests in a row get 429
    # with Retry-After: storm_retry_after (the first included), as a gateway that throttles in bursts.
    storm_ratio: float = 0.0
    storm_length: int = 5
    storm_retry_after: int = 1
    # --- after a write was applied (POST/PUT/PATCH/DELETE that succeeded)
    error_after_ratio: float = 0.0  # applied, then answered error_status
    hang_after_ratio: float = 0.0  # applied, then no answer: held hang_seconds, then the connection closed
    hang_seconds: float = 35.0  # longer than the clients' default 30 s timeout
    # Deterministic one-shot failures before handling: each entry is (status, headers, body) for the next request.
    queued: deque = field(default_factory=deque)
    # Deterministic one-shot faults for the next successful writes: "hang" or an HTTP status.
    queued_after: deque = field(default_factory=deque)
    # The next writes are held unanswered and applied after this many seconds each (then the connection closes).
    queued_later: deque = field(default_factory=deque)
    seed: int = 7
    injected: dict = field(default_factory=dict)  # kind → how many times, for tests and benchmarks
    _rng: random.Random = field(default=None, repr=False)
    _storm_left: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self._rng = random.Random(self.seed)

    @property
    def slow_seconds(self) -> float:
        return self.latency_ms / 1000

    @slow_seconds.setter
    def slow_seconds(self, seconds: float) -> None:
        self.latency_ms = seconds * 1000

    def roll(self, ratio: float) -> bool:
        with self._lock:
            return ratio > 0 and self._rng.random() < ratio

    # --- queue forms -------------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 503, headers: dict | None = None, body: Any = None) -> None:
        for _ in range(count):
            self.queued.append((status, headers or {}, body))

    def storm_next(self, count: int = 5, retry_after: int = 1) -> None:
        """The next `count` requests get 429 with Retry-After (the vendor's own 429 body)."""
        for _ in range(count):
            self.queued.append((429, {"Retry-After": str(retry_after)}, None))

    def hang_after_next(self, count: int = 1) -> None:
        """The next `count` successful writes are applied, then never answered."""
        self.queued_after.extend(["hang"] * count)

    def error_after_next(self, count: int = 1, status: int | None = None, *, skip: int = 0) -> None:
        """The next `count` successful writes (after `skip` answered normally) are applied, then answered with a
        5xx. `skip` picks a write out of a sequence (monday's reads are POSTs too)."""
        self.queued_after.extend([None] * skip + [status or self.error_status] * count)

    def apply_later_next(self, count: int = 1, seconds: float = 2.0) -> None:
        """The next `count` writes get no answer; each is applied `seconds` after it arrived."""
        self.queued_later.extend([float(seconds)] * count)

    def apply_later(self, method: str) -> float | None:
        """Seconds to wait before applying this write, if it is one the sandbox was told to apply late."""
        if method not in WRITE_METHODS or not self.queued_later:
            return None
        try:
            seconds = self.queued_later.popleft()
        except IndexError:
            return None
        self._count(Injected("apply_later"))
        return seconds

    def configure(self, spec: dict) -> None:
        """Apply a control-API body: the settable fields, plus the queue forms
        `fail_next` {count, status, headers, body}, `storm_next` {count, retry_after},
        `hang_after_next` (a count), `error_after_next` (a count or {count, status}) and `apply_later_next`
        {count, seconds}."""
        unknown = set(spec) - set(SETTABLE) - {"slow_seconds", "fail_next", "storm_next", "hang_after_next",
                                               "error_after_next", "apply_later_next", "clear"}
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        if spec.get("clear"):
            self.queued.clear()
            self.queued_after.clear()
            self.queued_later.clear()
            self._storm_left = 0
        for key in (*SETTABLE, "slow_seconds"):
            if key in spec:
                setattr(self, key, spec[key])
        if "fail_next" in spec:
            self.fail_next(**spec["fail_next"])
        if "storm_next" in spec:
            self.storm_next(**spec["storm_next"])
        if "hang_after_next" in spec:
            self.hang_after_next(int(spec["hang_after_next"]))
        if "error_after_next" in spec:
            value = spec["error_after_next"]
            self.error_after_next(**value) if isinstance(value, dict) else self.error_after_next(int(value))
        if "apply_later_next" in spec:
            self.apply_later_next(**spec["apply_later_next"])

    def describe(self) -> dict:
        return {**{key: getattr(self, key) for key in SETTABLE}, "queued": len(self.queued),
                "queued_after": len(self.queued_after), "queued_later": len(self.queued_later), "injected": dict(self.injected)}

    # --- what the pipeline asks ---------------------------------------------------------------------
    def before(self) -> Injected | None:
        """The fault for a request about to be handled (latency and slow answers are waited here)."""
        if self.queued:
            try:
                status, headers, body = self.queued.popleft()
            except IndexError:  # another thread took the last one
                pass
            else:
                return self._count(Injected("storm" if status == 429 else "queued", status, dict(headers), body))
        with self._lock:
            if self._storm_left:
                self._storm_left -= 1
                return self._count(Injected("storm", 429, {"Retry-After": str(self.storm_retry_after)}), locked=True)
        if self.roll(self.storm_ratio):
            with self._lock:
                self._storm_left = max(0, self.storm_length - 1)
            return self._count(Injected("storm", 429, {"Retry-After": str(self.storm_retry_after)}))
        if self.roll(self.timeout_ratio):
            threading.Event().wait(self.timeout_seconds)
        if self.roll(self.error_ratio):
            return self._count(Injected("error", self.error_status))
        return None

    def wait_latency(self) -> None:
        if self.latency_ms:
            threading.Event().wait(self.latency_ms / 1000)

    def after(self, method: str, status: int) -> Injected | None:
        """The fault for a write that was just applied (status < 400), if any."""
        if method not in WRITE_METHODS or status >= 400:
            return None
        if self.queued_after:
            try:
                what = self.queued_after.popleft()
            except IndexError:
                what = None
            if what == "hang":
                return self._count(Injected("hang_after"))
            if what is not None:
                return self._count(Injected("error_after", int(what)))
        if self.roll(self.hang_after_ratio):
            return self._count(Injected("hang_after"))
        if self.roll(self.error_after_ratio):
            return self._count(Injected("error_after", self.error_status))
        return None

    def _count(self, injected: Injected, *, locked: bool = False) -> Injected:
        if locked:
            self.injected[injected.kind] = self.injected.get(injected.kind, 0) + 1
        else:
            with self._lock:
                self.injected[injected.kind] = self.injected.get(injected.kind, 0) + 1
        return injected
