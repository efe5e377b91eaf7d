"""benchmarks/chaos.py cannot rot: a small trial (150 Rippling workers, 2 SIGKILLs) as a subprocess, as people run
it, on the embedded default (SQLite and kombu's filesystem broker in the benchmark's temp dir, so it shares nothing
with the test run). Its lines must say both kills happened, the source
changed in between, and nothing was duplicated, lost or stale."""
import re

import pytest

from tests.benchmarks import OWN_STORES, benchmark_run

COMMAND = ["benchmarks/chaos.py", "--records", "150", "--kills", "2"]
TRIAL = re.compile(r"^trial 1: 2 kills \(1 between Visma's answer and the commit\), run (succeeded|partial) in \d+s, "
                   r"resumed by reaper, changed first(\+last)?; ", re.MULTILINE)


@pytest.mark.worker
def test_a_small_chaos_trial_kills_twice_and_loses_nothing():
    out = benchmark_run(COMMAND, timeout=240, without=(*OWN_STORES, "CELERY_BROKER_URL"))

    assert TRIAL.search(out), out
    assert out.strip().splitlines()[-1] == "chaos: 2 kills, 0 duplicated, 0 lost, 0 stale", out
