"""`manage.py sandbox` in a process of its own, driven over its /_sandbox/ control routes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from benchmarks.harness import REPO


class SandboxProcess:
    """`manage.py sandbox` in a process of its own, driven over HTTP."""

    def __init__(self, tmp: Path, *, latency_ms: float = 0):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "VAR_DIR": str(tmp / "sandbox-var"), "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "manage.py", "sandbox", "--port", str(self.port), "--state", ""]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        self.stderr = open(tmp / "sandbox.log", "w")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.session = requests.Session()
        for _ in range(300):
            try:
                self.session.get(f"{self.url}/_sandbox/health", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not start: {(tmp / 'sandbox.log').read_text()[-2000:]}")

    def post(self, path: str, body: dict | None = None):
        response = self.session.post(f"{self.url}{path}", json=body or {}, timeout=600)
        response.raise_for_status()
        return response.json()

    def get(self, path: str, **params):
        response = self.session.get(f"{self.url}{path}", params=params, timeout=600)
        response.raise_for_status()
        return response.json()

    def count(self, **filters) -> int:
        return self.get("/_sandbox/log/count", **filters)["count"]

    def tables(self, vendor: str) -> dict:
        return self.get("/_sandbox/stats")["tables"][vendor]

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (user + system, from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.stderr.close()
