"""The fleet benchmark's child processes, each with its log: the sandboxes (`manage.py sandbox`, with every
vendor call delayed) and `celery worker --pool=threads` processes, started and waited for until they answer."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import REPO
from tests.support.worker import wait_for  # imports nothing of Django's until called


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Child processes of the benchmark, each with its log; stopped with SIGTERM (then SIGKILL) at the end."""

    def __init__(self, root: Path, env: dict):
        self.root, self.env, self.children, self.signalled = root, env, [], set()

    def start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "a")
        process = subprocess.Popen(command, cwd=REPO, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.children.append((name, process))
        return process

    def terminate(self, processes: list[subprocess.Popen]) -> None:
        """SIGTERM now (Celery's warm shutdown), waited for by stop(): workers shut down side by side."""
        for process in processes:
            if process.poll() is None and process.pid not in self.signalled:
                self.signalled.add(process.pid)
                process.send_signal(signal.SIGTERM)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            self.terminate([process])  # once: a second SIGTERM would make Celery's shutdown a cold one
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)

    def stop_all(self) -> None:
        self.terminate([process for _, process in self.children])
        for _, process in reversed(self.children):
            self.stop(process)

    def log(self, name: str, chars: int = 3000) -> str:
        path = self.root / f"{name}.log"
        return path.read_text()[-chars:] if path.exists() else ""


def sandbox_start(procs: Processes, latency_ms: float) -> str:
    """Started before the database is migrated (it uses none), so the two boot at once; see sandbox_ready."""
    port = free_port()
    procs.start("sandbox", [sys.executable, "manage.py", "sandbox", "--port", str(port), "--state", "",
                            "--latency-ms", str(latency_ms)])
    return f"http://127.0.0.1:{port}"


def sandbox_ready(url: str) -> str:
    import requests

    wait_for(lambda: _answers(url), timeout=60, message="the sandbox")
    # Every tenant has a Visma company and a Power BI service principal of its own, each with its own quota; here
    # they share the sandboxes' one demo client, so those per-client limits are lifted rather than counted across
    # tenants. (Power BI's per-dataset push quotas still apply: every tenant has its own dataset.)
    for vendor in ("visma", "powerbi"):
        requests.post(f"{url}/_sandbox/{vendor}/limits", json={"limit": None}, timeout=10).raise_for_status()
    return url


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(f"{url}/_sandbox/log?limit=1", timeout=2).ok
    except requests.RequestException:
        return False


def worker_command(name: str, queue: str, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "mlconnector", "worker", "--pool=threads", "-c", str(concurrency),
            "-Q", queue, "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"]


def workers_start(procs: Processes, count: int, queue: str, concurrency: int, tag: str) -> list:
    from mlconnector.celery import app

    started = [procs.start(f"worker-{tag}-{n}", worker_command(f"fleet-{tag}-{n}", queue, concurrency))
               for n in range(count)]
    names = {f"fleet-{tag}-{n}@{socket.gethostname()}" for n in range(count)}
    wait_for(lambda: names <= {k for reply in app.control.ping(timeout=1.0) for k in reply}, timeout=90,
             message=f"{count} worker(s) to answer a ping")
    return started
