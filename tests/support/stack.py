"""Start the Procfile stack (honcho: gunicorn, worker, beat) against the test database and broker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

from tests.support.embedded import alive, descendants, free_port
from tests.support.worker import ROOT, test_database_url, wait_for

@dataclass
class Stack:
    process: subprocess.Popen
    url: str
    log: Path

    def get(self, path: str, **kwargs):
        return requests.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return requests.post(self.url + path, json=json, timeout=10, **kwargs)

    def stop(self, timeout: float = 30) -> tuple[int, set[int]]:
        """SIGTERM to honcho, as a process manager would; returns its exit code and the children still alive."""
        children = descendants(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in children):
            time.sleep(0.1)
        return code, {pid for pid in children if alive(pid)}


def stack_env(**extra: str) -> dict:
    name = uuid.uuid4().hex[:8]
    env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "REDIS_URL": settings.REDIS_URL, "VAR_DIR": str(settings.VAR_DIR), "CELERY_TASK_ALWAYS_EAGER": "false",
           "DJANGO_ENV": "development", "DEBUG": "false", "SYNC_VENDOR_QUEUES": "true",
           "WORKER_NAME": name,
           # its own default queue: what other tests left on the shared broker is not its business
           "CELERY_TASK_DEFAULT_QUEUE": f"stack-{name}", "WEB_CONCURRENCY": "1", "WORKER_CONCURRENCY": "2",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.update(extra)
    return env


@contextmanager
def production_stack(**extra_env: str):
    """The Procfile's processes; yields a Stack once the web answers. Stopped (and killed if it must) after."""
    port = free_port()
    log = Path(settings.VAR_DIR) / f"stack-{port}.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile", "-p", str(port),
                                    "--no-colour"], cwd=ROOT, env=stack_env(**extra_env), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(process=process, url=f"http://127.0.0.1:{port}", log=log)
    try:
        def web_up():
            if process.poll() is not None:
                raise AssertionError(f"the stack exited ({process.returncode}):\n{log.read_text()[-4000:]}")
            try:
                return stack.get("/admin/login/").status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(web_up, timeout=40, interval=0.3, message="the stack's web server")
        yield stack
    finally:
        if process.poll() is None:
            for pid in descendants(process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.kill()
            process.wait(timeout=10)
        print(f"--- stack log ---\n{log.read_text()[-8000:]}")  # shown by pytest when the test fails
        log.unlink(missing_ok=True)
