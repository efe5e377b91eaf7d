"""benchmarks/visma_powerbi.py cannot rot: its figure on synthetic arrivals, and a short run's last line (as a
subprocess, as people run it: its own throwaway database and sandbox)."""
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.visma_powerbi import quota_used

ROOT = Path(__file__).resolve().parents[2]


def test_quota_used_is_the_trailing_hour_share_after_the_first_hour():
    burst = [(0.0, 10_000)] * 100  # an hour's million at once: measured on the first hour
    steady = [(n * 36.0, 10_000) for n in range(300)]  # 10,000 every 36 s: every trailing hour full
    half = [(n * 72.0, 10_000) for n in range(150)]  # half that rate

    assert quota_used(burst) == 100.0
    assert round(quota_used(steady)) == 100
    assert round(quota_used(half)) == 50


def test_a_short_run_prints_the_figure():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}

    result = subprocess.run([sys.executable, "benchmarks/visma_powerbi.py", "--rows", "20000", "--speed", "600"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last == "quota used: 2.0% , 429s: 0", result.stdout  # 20,000 rows of an hour's 1,000,000
