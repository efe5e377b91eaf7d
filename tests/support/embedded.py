"""Run manage.py commands as separate processes on a fresh embedded default (SQLite + filesystem broker)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STACK = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def embedded_env(var_dir: Path) -> dict:
    """The environment `make demo` has on a fresh clone: nothing configured, all state under `var_dir`."""
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_STACK}
    return {**env, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


def embedded_migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=180)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, however deep."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone while we looked
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Demo:
    process: subprocess.Popen
    env: dict
    web: str
    output: Path
    seen_children: set[int] = field(default_factory=set)

    def children(self) -> set[int]:
        found = descendants(self.process.pid)
        self.seen_children |= found
        return found

    def wait_ready(self, timeout: float = 300) -> None:
        """Until the demo has set everything up and says "Running;"."""
        deadline = time.monotonic() + timeout
        while "Running;" not in self.output.read_text():
            assert self.process.poll() is None and time.monotonic() < deadline, self.output.read_text()[-3000:]
            time.sleep(0.5)
        self.children()


@contextmanager
def demo_process(var_dir: Path):
    """`manage.py demo` started on a fresh embedded default under `var_dir`; everything it started is gone after."""
    env = embedded_env(var_dir)
    embedded_migrate(env)
    web_port, output = free_port(), var_dir / "demo.out"
    with open(output, "w") as out:
        process = subprocess.Popen([sys.executable, "manage.py", "demo", "--sandbox-port", str(free_port()),
                                    "--web-port", str(web_port)], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    demo = Demo(process=process, env=env, web=f"http://127.0.0.1:{web_port}", output=output)
    try:
        yield demo
    finally:
        # Never leave servers behind, even when the test failed.
        for pid in {process.pid} | demo.seen_children | (demo.children() if process.poll() is None else set()):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()
