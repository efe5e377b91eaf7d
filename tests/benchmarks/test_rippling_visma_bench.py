"""The Rippling → Visma benchmark still runs, on a few workers, so the script cannot rot.

It is run as a subprocess, as people run it: it sets Django up on its own throwaway database and starts
its own sandboxes, which must not mix with the test database and the session's sandbox.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 200


def test_it_completes_at_the_minimum_of_calls_and_rewrites_nothing(tmp_path):
    figures_path = tmp_path / "figures.json"
    # The benchmark's own SQLite file and file cache: with CI's Redis it would share cached vendor tokens
    # (keyed by connection id) with the suite, and a stale one costs a 401 and an extra call.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}

    result = subprocess.run(
        [sys.executable, "benchmarks/rippling_visma.py", "--workers", str(WORKERS), "--json", str(figures_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    initial = figures["initial"]
    assert initial["employees"] == WORKERS
    assert initial["http_calls"] == initial["minimum_calls"]
    assert figures["baseline"]["employees"] == WORKERS
    assert figures["unchanged"]["writes"] == 0
    assert figures["unchanged"]["unchanged"] == WORKERS + figures["departments"]
    assert figures["delta"]["updated"] == figures["delta"]["touched"] == 2
    assert "Engine overhead" in result.stdout
