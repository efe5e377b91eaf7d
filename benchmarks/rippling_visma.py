"""Rippling → Visma.net against the local sandboxes: speed, HTTP calls and memory of one integration.

    python benchmarks/rippling_visma.py --workers 10000                  # one size, every figure
    python benchmarks/rippling_visma.py --workers 3000 --latency-ms 100  # + the same load with 100 ms per call
    python benchmarks/rippling_visma.py --compare 10000,100000 --rss-only  # one process per size, engine memory
    python benchmarks/rippling_visma.py --memory-only                    # the same: 100k ÷ 10k peak RSS, last line
    python benchmarks/rippling_visma.py --workers 5000 --profile         # where the initial load spends its time

The sandboxes run in a process of their own (`manage.py sandbox`, real HTTP over 127.0.0.1), controlled over
their /_sandbox/ routes; this process is the engine's, so its CPU time and peak RSS are the engine's. The bare
`requests` baselines make the same calls to the same sandbox process: one sequential, and the matched one,
which the engine's ratio is taken against: as many POSTs in flight to Visma as the sandbox saw from the engine
(a ThreadPoolExecutor of that size), reading the next worker page while a page's POSTs run, as the engine does
(so its peak is the engine's too: the POSTs and one read). Rate limits are switched off, so no phase waits for
a quota window.

Phases: initial load (an empty Visma company, every worker created); baselines (the same calls from a bare
loop on an emptied Visma: the floor); unchanged re-sync (cursors reset, every worker read again, nothing
may be written); delta (1% of workers touched, only they are read and updated); with --latency-ms, an
initial load and both baselines again with every vendor call delayed (--latency-workers of them).
The last line is `ratios: no-latency X.XX, latency-100ms Y.YY` (engine records/s ÷ the matched bare loop's);
with --pairs K the no-latency ratio is the median of K (engine initial load, matched loop) pairs run back to
back, each on a new integration, because on a shared machine the load changes between phases.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, machine, workdir  # noqa: E402
from benchmarks.rippling.bench import DEPARTMENTS, bench_setup  # noqa: E402
from benchmarks.rippling.loop import baseline  # noqa: E402
from benchmarks.rippling.phases import (delta, initial_load, pairs, profile_initial_load,  # noqa: E402
                                        unchanged_resync, webhook_latency, with_latency)
from benchmarks.rippling.report import compare_report, report  # noqa: E402
from benchmarks.rippling.sandbox import SandboxProcess  # noqa: E402


def run_one(args, tmp: Path) -> dict:
    sandbox = SandboxProcess(tmp)
    try:
        seeded = time.perf_counter()
        bench = bench_setup(sandbox, workers=args.workers, departments=args.departments)
        figures = {"workers": args.workers, "departments": args.departments, "machine": machine(),
                   "setup_seconds": time.perf_counter() - seeded}
        if args.profile:
            profile_initial_load(bench)
            return figures
        figures["initial"] = initial_load(bench)
        if args.rss_only:
            return figures
        if not args.skip_baseline:
            figures["baseline"] = baseline(bench, in_flight=1)
            writes = figures["initial"]["writes_in_flight"]  # the loop's POSTs in flight: as many as the engine's
            figures["baseline_matched"] = (baseline(bench, in_flight=writes) if writes > 1
                                           else figures["baseline"])
        figures["unchanged"] = unchanged_resync(bench)
        figures["delta"] = delta(bench)
        figures["webhook"] = webhook_latency(bench)
        if not args.skip_baseline and args.pairs > 1:  # last: they seed Rippling and empty Visma again
            figures["pairs"] = pairs(bench, (figures["initial"], figures["baseline_matched"]), args.pairs)
        if args.latency_ms:
            figures["latency"] = with_latency(bench, latency_ms=args.latency_ms,
                                              workers=min(args.workers, args.latency_workers))
        return figures
    finally:
        sandbox.stop()


def compare(args) -> int:
    sizes = [int(s) for s in args.compare.split(",") if s.strip()]
    results = {}
    with workdir() as tmp:
        for size in sizes:
            out = Path(tmp) / f"{size}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--workers", str(size),
                       "--departments", str(args.departments), "--json", str(out)]
            command += ["--rss-only"] if args.rss_only else []
            command += ["--skip-baseline"] if args.skip_baseline else []
            print(f"$ {' '.join(command[1:])}", flush=True)
            subprocess.run(command, check=True)
            results[size] = json.loads(out.read_text())
            print(flush=True)
    print(compare_report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=10_000, help="Rippling workers to seed (default 10000)")
    parser.add_argument("--departments", type=int, default=DEPARTMENTS)
    parser.add_argument("--compare", metavar="N,M", help="one subprocess per size; engine peak memory side by side")
    parser.add_argument("--skip-baseline", action="store_true", help="leave out the bare requests loops")
    parser.add_argument("--rss-only", action="store_true", help="only the initial load (its time and memory)")
    parser.add_argument("--memory-only", action="store_true",
                        help="the issue's memory figure: --compare 10000,100000 (or the sizes given with --compare) "
                             "with --rss-only, nothing else run; ends with 'memory: peak RSS L ÷ S = X.XX'")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="also load --latency-workers workers with this delay on every vendor call")
    parser.add_argument("--latency-workers", type=int, default=500)
    parser.add_argument("--pairs", type=int, default=1,
                        help="no-latency ratio as the median of this many (engine, matched loop) pairs run back to "
                             "back, each on a new integration (for a machine whose load changes)")
    parser.add_argument("--profile", action="store_true", help="only the initial load, under cProfile")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON (with --compare: per size)")
    args = parser.parse_args(argv)
    if args.memory_only:
        args.compare, args.rss_only = args.compare or "10000,100000", True
    if args.compare:
        return compare(args)
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        try:
            figures = run_one(args, Path(tmp))
        finally:
            teardown()
    if args.profile:
        return 0
    if "baseline" in figures or args.rss_only:
        print(report(figures) if not args.rss_only else
              f"{args.workers:,} workers: initial load {figures['initial']['seconds']:.1f}s "
              f"({figures['initial']['records_per_s']:.0f} records/s; CPU {figures['initial']['cpu_seconds']:.1f}s, "
              f"run thread {figures['initial']['run_thread_cpu_seconds']:.1f}s), engine peak RSS "
              f"{figures['initial']['peak_rss_mb']:.0f} MB", flush=True)
    else:
        print(report(figures), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
