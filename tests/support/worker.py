"""Start a real Celery worker process against the test database and the configured broker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A real Celery worker (solo pool: the process that runs the task) that can be killed and started again.

    Every start appends to one log file, so a test that kills and restarts it shows the whole story.
    """

    def __init__(self, *, queue: str | None = None, extra_env: dict | None = None, beat: bool = False,
                 include: tuple[str, ...] = (), pool: str = "solo"):
        self.queue = queue or f"test-{uuid.uuid4().hex[:8]}"
        # SYNC_VENDOR_QUEUES off: the tasks this worker queues itself (the reaper's resumptions) stay on its queue.
        self.env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                    "CELERY_TASK_ALWAYS_EAGER": "false", "VAR_DIR": str(settings.VAR_DIR),
                    "SYNC_VENDOR_QUEUES": "false", **(extra_env or {})}
        self.command = [sys.executable, "-m", "celery", "-A", "mlconnector", "worker", f"--pool={pool}", "-c", "1", "-Q", self.queue,
                        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
                        "-n", f"{self.queue}-{uuid.uuid4().hex[:4]}@%h"] + (["--beat"] if beat else [])
        if include:
            self.command += ["--include", ",".join(include)]
        self.log_path = worker_log(self.queue)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def start(self) -> "WorkerProcess":
        with open(self.log_path, "a") as log:
            log.write(f"--- start {self.starts + 1} ---\n")
            log.flush()
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, no finally block runs (a crash, an OOM kill, a lost node)."""
        if self.pid is not None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        # Shown by pytest only when the test fails.
        print(f"--- worker log ({' '.join(self.command[3:])}) ---\n" + self.log_tail())
        self.log_path.unlink(missing_ok=True)


def worker_log(queue: str) -> Path:
    return Path(settings.VAR_DIR) / f"{queue}.log"


def worker_start(*, queue: str, extra_env: dict | None = None, beat: bool = False,
                 include: tuple[str, ...] = (), pool: str = "solo") -> subprocess.Popen:
    """A worker process consuming `queue` (with beat embedded if asked); its log is var/<queue>.log."""
    return WorkerProcess(queue=queue, extra_env=extra_env, beat=beat, include=include, pool=pool).start().process


@contextmanager
def celery_worker(*, queue: str | None = None, extra_env: dict | None = None, beat: bool = False,
                  include: tuple[str, ...] = ()):
    """Yield the queue name a fresh worker consumes; the worker is stopped afterwards.
    `include`: modules the worker imports first (test-only flows register themselves so)."""
    worker = WorkerProcess(queue=queue, extra_env=extra_env, beat=beat, include=include).start()
    try:
        yield worker.queue
    finally:
        worker.close()


@contextmanager
def worker_taking_all_tasks(*, include: tuple[str, ...] = (), extra_env: dict | None = None):
    """A real worker process; every task this process queues goes to its private queue."""
    from mlconnector.celery import app

    with celery_worker(include=include, extra_env=extra_env) as queue:
        previous = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        try:
            yield queue
        finally:
            app.conf.task_default_queue = previous


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
