"""The Rippling → Visma benchmark still runs, on a few workers, so the script cannot rot.

It is run as a subprocess, as people run it: it sets Django up on its own throwaway database and starts
the sandboxes in a process of their own, which must not mix with the test database and the session's sandbox.
"""
import json

from tests.benchmarks import benchmark_run

WORKERS = 200


def test_it_completes_at_the_minimum_of_calls_and_rewrites_nothing(tmp_path):
    figures_path = tmp_path / "figures.json"
    out = benchmark_run(["benchmarks/rippling_visma.py", "--workers", str(WORKERS), "--json", str(figures_path),
                         "--latency-ms", "20", "--latency-workers", "20", "--pairs", "2"], timeout=180)

    figures = json.loads(figures_path.read_text())
    initial = figures["initial"]
    assert initial["employees"] == WORKERS
    assert initial["http_calls"] == initial["minimum_calls"]
    assert initial["traffic"]["in_flight_peak"] == initial["in_flight"] >= initial["writes_in_flight"] >= 1
    assert figures["baseline"]["employees"] == figures["baseline_matched"]["employees"] == WORKERS
    # Concurrency-matched: as many POSTs in flight to Visma as the engine had.
    assert figures["baseline_matched"]["writes_in_flight"] == initial["writes_in_flight"]
    assert figures["unchanged"]["writes"] == 0
    assert figures["unchanged"]["unchanged"] == WORKERS + figures["departments"]
    assert figures["delta"]["updated"] == figures["delta"]["touched"] == 2
    latency = figures["latency"]
    assert latency["latency_ms"] == 20 and latency["engine"]["employees"] == 20
    # 20 ms per call, one POST per employee: no loop, however concurrent, beats that by more than its in-flight.
    assert latency["sequential"]["records_per_s"] < 1000 / 20
    pairs = figures["pairs"]  # the no-latency ratio is the median of back-to-back (engine, matched loop) pairs
    assert len(pairs["ratios"]) == 2 and min(pairs["ratios"]) <= pairs["median"] <= max(pairs["ratios"])
    webhook = figures["webhook"]  # the App Shop event through the intake until Visma's PUT
    assert webhook["samples"] == 20 and 0 < webhook["p50_ms"] <= webhook["p95_ms"]
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"ratios: no-latency {pairs['median']:.2f}, latency-20ms {latency['ratio']:.2f}"), last
