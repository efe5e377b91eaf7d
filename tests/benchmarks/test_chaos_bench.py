"""benchmarks/chaos.py cannot rot: a small trial (150 Rippling workers, 2 SIGKILLs) as a subprocess, as people run
it, on the embedded default (SQLite and kombu's filesystem broker in the benchmark's temp dir, so it shares nothing
with the test run). Its lines must say both kills happened, the source
changed in between, and nothing was duplicated, lost or stale."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "benchmarks/chaos.py", "--records", "150", "--kills", "2"]
TRIAL = re.compile(r"^trial 1: 2 kills \(1 between Visma's answer and the commit\), run (succeeded|partial) in \d+s, "
                   r"resumed by reaper, changed first(\+last)?; ", re.MULTILINE)


@pytest.mark.worker
def test_a_small_chaos_trial_kills_twice_and_loses_nothing():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}

    result = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert TRIAL.search(result.stdout), result.stdout
    assert result.stdout.strip().splitlines()[-1] == "chaos: 2 kills, 0 duplicated, 0 lost, 0 stale", result.stdout
