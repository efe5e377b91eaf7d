"""benchmarks/fleet.py cannot rot: a tiny fleet (3 tenants, 50 ms a vendor call, 4 integrations on a 2-second
schedule) as a subprocess, as people run it, on the embedded default (SQLite and kombu's filesystem broker in the
benchmark's temp dir, so it shares nothing with the test run). Its figure means nothing at this size; its lines must
parse and say what they should: every run succeeded, beat sent each integration once per interval and each send
became one run, and no integration ever ran twice at once."""
import re

import pytest

from tests.benchmarks import OWN_STORES, benchmark_run

INTEGRATIONS, INTERVAL = 4, 2
COMMAND = ["benchmarks/fleet.py", "--tenants", "3", "--latency-ms", "50", "--concurrency", "2",
           "--beat-integrations", str(INTEGRATIONS), "--interval", str(INTERVAL), "--beat-seconds", "5",
           "--beat-latency-ms", "0", "--database-url", "", "--broker", "filesystem://", "--redis", ""]
RATIO = re.compile(r"^fleet: 2 workers / 1 worker = (\d+\.\d\d)$")
PHASE = re.compile(r"^(1 worker process|2 worker processes) +([\d.]+) +([\d.]+) +63 +24 +succeeded 3$",
                   re.MULTILINE)
WAVES = re.compile(r"^fleet: 3 runs fill 2 threads in 2 waves and 2 × 2 in 1: at most 2.00 with runs of equal "
                   r"length$", re.MULTILINE)
SENT = re.compile(rf"^beat: {INTEGRATIONS} integrations every {INTERVAL}s for (\d+)s: beat sent each integration's "
                  r"task (\d+)–(\d+) times \((\d+) in all; the first one interval after beat started\), "
                  r"([\d.]+)–([\d.]+)s apart \(beat's log\); (\d+) scheduled runs, one per send for every "
                  r"integration: (True|False); runs (.+)$", re.MULTILINE)
RUN_NOW = re.compile(rf"^beat: plus {INTEGRATIONS} 'Run now' during the schedule, (\d+) of them skipped by the "
                     r"lease; integrations that ever ran twice at once: (\d+) ", re.MULTILINE)


@pytest.mark.worker
def test_a_tiny_fleet_prints_its_ratio_and_beat_checks():
    out = benchmark_run(COMMAND, timeout=240, without=(*OWN_STORES, "CELERY_BROKER_URL"))

    ratio = RATIO.match(out.strip().splitlines()[-1])
    assert ratio and float(ratio.group(1)) > 0, out
    assert [m.group(1) for m in PHASE.finditer(out)] == ["1 worker process", "2 worker processes"], out
    assert WAVES.search(out), out
    sent = SENT.search(out)
    assert sent, out
    window, fewest, most, sends, gap_min, gap_max, runs, one_each, statuses = sent.groups()
    assert 2 <= int(fewest) <= int(most) <= int(fewest) + 1 and int(sends) == int(runs) >= 2 * INTEGRATIONS
    assert INTERVAL - 0.1 <= float(gap_min) <= float(gap_max) < 2 * INTERVAL
    assert one_each == "True"
    assert set(re.findall(r"(\w+) \d+", statuses)) <= {"succeeded", "skipped"}, statuses
    run_now = RUN_NOW.search(out)
    assert run_now and int(run_now.group(1)) <= INTEGRATIONS and run_now.group(2) == "0", out
