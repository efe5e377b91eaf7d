"""benchmarks/visma_powerbi.py cannot rot: its figure on synthetic arrivals, and a short run's last line (as a
subprocess, as people run it: its own throwaway database and sandbox)."""
from benchmarks.visma_powerbi import quota_used
from tests.benchmarks import benchmark_run


def test_quota_used_is_the_trailing_hour_share_after_the_first_hour():
    burst = [(0.0, 10_000)] * 100  # an hour's million at once: measured on the first hour
    steady = [(n * 36.0, 10_000) for n in range(300)]  # 10,000 every 36 s: every trailing hour full
    half = [(n * 72.0, 10_000) for n in range(150)]  # half that rate

    assert quota_used(burst) == 100.0
    assert round(quota_used(steady)) == 100
    assert round(quota_used(half)) == 50


def test_a_short_run_prints_the_figure():
    out = benchmark_run(["benchmarks/visma_powerbi.py", "--rows", "20000", "--speed", "600"], timeout=120)

    last = out.strip().splitlines()[-1]
    assert last == "quota used: 2.0% , 429s: 0", out  # 20,000 rows of an hour's 1,000,000
