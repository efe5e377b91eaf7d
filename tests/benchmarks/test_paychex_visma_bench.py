"""The Paychex → Visma benchmark still runs, on a few workers and a small burst, so the script cannot rot.

Run as a subprocess with its own throwaway database, sandboxes and web server, as people run it."""
import json

from tests.benchmarks import benchmark_run


def test_it_measures_latency_and_a_burst_with_every_event_settled(tmp_path):
    figures_path = tmp_path / "figures.json"
    out = benchmark_run(["benchmarks/paychex_visma.py", "--workers", "12", "--samples", "4", "--burst", "20",
                         "--json", str(figures_path)], timeout=180)

    figures = json.loads(figures_path.read_text())
    assert figures["initial"]["employees"] == 12
    assert figures["latency"]["samples"] == 4 and 0 < figures["latency"]["p50_ms"] <= figures["latency"]["p95_ms"]
    assert figures["burst"]["notifications"] == 20 and figures["burst"]["failed"] == 0
    assert 0 < figures["burst"]["visma_puts"] <= 20  # never more writes than notifications
    assert "webhook → Visma write, p95" in out
