"""Instructions per record of the Rippling → Visma initial load, or of the matched bare loop, under callgrind.

Instruction counts do not depend on what else the machine runs, where CPU seconds on a shared VM do. Run it
under valgrind with instrumentation off at start: the script switches it on around the measured load only
(after a warm-up load of 100 workers), so setup, imports and the sandbox (a process of its own) are left out:

    valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file=/tmp/cg.engine.%p \\
        .venv/bin/python benchmarks/rippling_instructions.py --workers 300
    valgrind … --callgrind-out-file=/tmp/cg.loop.%p .venv/bin/python benchmarks/rippling_instructions.py --workers 300 --loop 4
    grep -H totals /tmp/cg.engine.* /tmp/cg.loop.*        # one file per thread (-01 is the run thread)

Each takes a few minutes (valgrind runs Python some fifty times slower).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, workdir  # noqa: E402


def instrumentation(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=300)
    parser.add_argument("--loop", type=int, metavar="N", help="measure the bare loop with N POSTs in flight instead")
    args = parser.parse_args(argv)
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        from benchmarks.rippling.bench import bench_setup
        from benchmarks.rippling.loop import baseline
        from benchmarks.rippling.phases import initial_load
        from benchmarks.rippling.sandbox import SandboxProcess

        sandbox = SandboxProcess(Path(tmp))
        try:
            initial_load(bench_setup(sandbox, workers=100, departments=50, slug="warm-up"))
            bench = bench_setup(sandbox, workers=args.workers, departments=50, slug="measured")
            instrumentation(True)
            figures = baseline(bench, in_flight=args.loop) if args.loop else initial_load(bench)
            instrumentation(False)
        finally:
            sandbox.stop()
            teardown()
    what = f"bare loop, {args.loop} POSTs in flight" if args.loop else "engine initial load"
    print(f"{what}, {args.workers:,} workers: {figures['seconds']:.1f} s under valgrind; instruction counts are "
          "in the callgrind files (totals: per thread)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
