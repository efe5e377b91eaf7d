"""Each benchmark script runs here as a subprocess, as people run it, at a size whose figures mean nothing but
whose lines must parse and say what they should, so no script can rot."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The benchmark's own SQLite file and file cache: with CI's Redis it would share cached vendor tokens (keyed by
# connection id) with the suite, and a stale one costs a 401 and an extra call.
OWN_STORES = ("DATABASE_URL", "REDIS_URL")


def benchmark_run(args: list[str], *, timeout: float, without: tuple[str, ...] = OWN_STORES) -> str:
    """Run `python <args>` from the repo with the variables in `without` unset; returns its stdout, once it
    exited 0."""
    env = {k: v for k, v in os.environ.items() if k not in without}
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout
