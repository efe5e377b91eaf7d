"""The demo's child processes (sandbox, worker, beat, web): started, watched and always stopped together."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests


class ChildExited(Exception):
    """A child process stopped while the demo still needed it."""


def _interrupt(signum, frame):
    # SIGTERM (systemd, `kill`, CI) and SIGHUP (terminal closed) take the same way out as Ctrl-C, so the
    # `finally` that stops the children runs whichever of them ended the demo.
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # the whole group has already gone


class Children:
    def __init__(self, *, cwd: Path, log_dir: Path):
        self.cwd, self.log_dir = cwd, log_dir
        self.processes: list[tuple[str, subprocess.Popen]] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Children:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_all()

    def start(self, name: str, command: list[str]) -> None:
        # Each child gets its own session, so a Ctrl-C in the terminal reaches only the demo, which then
        # stops the children in order (web first, sandbox last) instead of all of them dying at once.
        with open(self.log_dir / f"{name}.log", "w") as log:
            process = subprocess.Popen(command, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        self.processes.append((name, process))

    def exited(self) -> list[str]:
        return [name for name, process in self.processes if process.poll() is not None]

    def stop_all(self, timeout: float = 15) -> None:
        # A second Ctrl-C or SIGTERM while stopping must not abandon the children still running.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        for _, process in reversed(self.processes):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # Whatever is left in the child's session (the child itself past the timeout, or anything it
            # started) goes too: nothing of the demo outlives it.
            _signal_group(process, signal.SIGKILL)
            process.wait()

    def wait_http(self, url: str, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(url, timeout=2).status_code < 500:
                    return
            except requests.ConnectionError:
                pass
            if dead := self.exited():
                raise ChildExited(f"{dead[0]} exited; see {self.log_dir / (dead[0] + '.log')}")
            time.sleep(0.3)
        raise ChildExited(f"{what} did not come up at {url} within {timeout:.0f}s")
