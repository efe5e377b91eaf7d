"""Start a real Celery worker process against the test database and the configured broker."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_start(*, queue: str, extra_env: dict | None = None, beat: bool = False,
                 include: tuple[str, ...] = ()) -> subprocess.Popen:
    """A worker process consuming `queue` (with beat embedded if asked); its log is var/<queue>.log.
    `include`: modules the worker imports first (test-only flows register themselves so)."""
    # SYNC_VENDOR_QUEUES off: the tasks this worker queues itself (the reaper's resumptions) stay on its queue.
    env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "CELERY_TASK_ALWAYS_EAGER": "false", "VAR_DIR": str(settings.VAR_DIR), "SYNC_VENDOR_QUEUES": "false",
           **(extra_env or {})}
    command = [sys.executable, "-m", "celery", "-A", "mlconnector", "worker", "--pool=solo", "-Q", queue,
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", f"{queue}@%h"]
    if beat:
        command.append("--beat")
    if include:
        command += ["--include", ",".join(include)]
    with open(worker_log(queue), "a") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def worker_log(queue: str) -> Path:
    return Path(settings.VAR_DIR) / f"{queue}.log"


@contextmanager
def celery_worker(*, queue: str | None = None, extra_env: dict | None = None, beat: bool = False,
                  include: tuple[str, ...] = ()):
    """Yield the queue name a fresh worker consumes; the worker is stopped afterwards."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    process = worker_start(queue=queue, extra_env=extra_env, beat=beat, include=include)
    try:
        with override_settings(SYNC_VENDOR_QUEUES=False):  # and so do the ones this test process queues
            yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        # Shown by pytest only when the test fails.
        log_path = worker_log(queue)
        print(f"--- worker log ({' '.join(process.args[3:])}) ---\n" + log_path.read_text()[-6000:])
        log_path.unlink(missing_ok=True)


@contextmanager
def worker_taking_all_tasks(*, include: tuple[str, ...] = ()):
    """A real worker process; every task this process queues goes to its private queue."""
    from mlconnector.celery import app

    with celery_worker(include=include) as queue:
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
