"""The Paychex → Visma benchmark still runs, on a few workers and a small burst, so the script cannot rot.

Run as a subprocess with its own throwaway database, sandboxes and web server, as people run it."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_measures_latency_and_a_burst_with_every_event_settled(tmp_path):
    figures_path = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}

    result = subprocess.run(
        [sys.executable, "benchmarks/paychex_visma.py", "--workers", "12", "--samples", "4", "--burst", "20",
         "--json", str(figures_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)

    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    assert figures["initial"]["employees"] == 12
    assert figures["latency"]["samples"] == 4 and 0 < figures["latency"]["p50_ms"] <= figures["latency"]["p95_ms"]
    assert figures["burst"]["notifications"] == 20 and figures["burst"]["failed"] == 0
    assert 0 < figures["burst"]["visma_puts"] <= 20  # never more writes than notifications
    assert "webhook → Visma write, p95" in result.stdout
