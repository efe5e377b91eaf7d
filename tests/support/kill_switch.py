"""Kills a worker process from the sandbox's request log listener, at an exact point of a run's writes
(tests/support/chaos.py, tests/e2e/test_dayforce_visma_journal_crash.py)."""
from __future__ import annotations

import threading

from tests.support.tally import EMPLOYEE_PATH
from tests.support.worker import WorkerProcess


class KillSwitch:
    """Kills the worker from the sandbox's request log listener, counted in creates (POSTs under `write_path`
    answered 201), not in seconds: a fast destination (journal postings run at ~300 a second here) moves too
    far while a poller sleeps. At the n-th create the worker dies the instant Visma applied it, before the 201
    is sent (`delay` None: the write is done and the engine never hears of it), or `delay` seconds later,
    wherever the engine then is (committing the page, reading the next one, sending the next write)."""

    def __init__(self, app, worker: WorkerProcess, write_path: str = EMPLOYEE_PATH):
        self.app, self.worker, self.write_path = app, worker, write_path
        self.left: int | None = None
        self.delay: float | None = None
        self.timer: threading.Timer | None = None
        self.fired = threading.Event()
        app.log.listeners.append(self.on_request)

    def arm(self, after_creates: int, delay: float | None = None) -> None:
        self.disarm()
        self.fired.clear()
        self.left, self.delay = after_creates, delay

    def disarm(self) -> None:
        """No kill pending any more, a delayed one included (it would hit the next run's worker)."""
        self.left = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def on_request(self, entry) -> None:
        if self.left is None or entry.method != "POST" or not entry.path.startswith(self.write_path):
            return
        if entry.status == 201 and not entry.fault:
            self.left -= 1
            if self.left <= 0:
                self.left = None
                if self.delay is None:
                    self.kill()
                else:
                    self.timer = threading.Timer(self.delay, self.kill)
                    self.timer.start()

    def kill(self) -> None:
        self.worker.kill()
        self.fired.set()

    def close(self) -> None:
        self.disarm()
        if self.on_request in self.app.log.listeners:
            self.app.log.listeners.remove(self.on_request)
