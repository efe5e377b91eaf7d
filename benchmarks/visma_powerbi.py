"""Power BI push pacing on compressed time: how fully a backfill uses the 1,000,000 rows/hour quota, and 429s.

    python benchmarks/visma_powerbi.py --rows 1000000              # the figure issue #14 asks for
    python benchmarks/visma_powerbi.py --rows 2000000 --speed 60   # two hours of quota: the steady state shows

Rows go through the production client (`PowerBIClient.post_rows`, batches of 10,000) and the shared limiter
with the client's own declared quotas, to the Power BI sandbox on a thread of this process, whose quota clock
runs `--speed` times faster than real time; the limiter's windows are shortened by the same factor. The rows
are what the flow pushes to one table (Visma → rows mapping is not what is measured here).

Quota used: at every POST that arrived after the first hour, the rows Power BI counted in the trailing hour
÷ 1,000,000, averaged; a backfill of one hour's quota or less is measured on its first hour. 100 % means the
limiter kept Power BI's window full without going over; 429s: how many times Power BI refused.
"""
from __future__ import annotations

import argparse
import bisect
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, workdir  # noqa: E402

ROWS_PER_HOUR = 1_000_000
BATCH = 10_000


def quota_used(arrivals: list[tuple[float, int]]) -> float:
    """Mean trailing-hour rows ÷ the ceiling over POSTs after the first hour (compressed seconds, rows)."""
    times = [t for t, _ in arrivals]
    totals = [0]
    for _, rows in arrivals:
        totals.append(totals[-1] + rows)
    start = times[0]
    later = [i for i, t in enumerate(times) if t - start >= 3600] or [bisect.bisect_right(times, start + 3600) - 1]
    shares = []
    for i in later:
        first = bisect.bisect_right(times, times[i] - 3600)
        shares.append((totals[i + 1] - totals[first]) / ROWS_PER_HOUR)
    return 100 * sum(shares) / len(shares)


def run(rows: int, speed: float) -> dict:
    from connections.vendors.base import RateLimit
    from connections.vendors.powerbi.client import DEFAULT_SCOPE, PowerBIClient
    from connections.vendors.tokens import MemoryTokenCache
    from sandbox.server import start_in_thread
    from sandbox.vendors.powerbi import DEMO_CREDENTIALS, WORKSPACE_ID
    from syncs.ratelimit import SharedRateLimiter

    sandbox = start_in_thread()
    try:
        powerbi = sandbox.app["powerbi"]
        powerbi.quota_clock.set_speed(speed)
        rates = tuple(RateLimit(r.limit, r.seconds / speed, r.scope) for r in PowerBIClient.rate_limits)
        client = PowerBIClient(
            base_url=f"{sandbox.url}/powerbi", credentials=dict(DEMO_CREDENTIALS), token_cache=MemoryTokenCache(),
            config={"group_id": WORKSPACE_ID, "scope": DEFAULT_SCOPE,
                    "token_url": f"{sandbox.url}/powerbi-login/{{tenant}}/oauth2/v2.0/token"},
            rate_limiter=SharedRateLimiter(f"powerbi-benchmark:{uuid.uuid4()}", rates, max_wait=3600 / speed + 5),
            timeout=60)
        table = {"name": "Lines", "columns": [{"name": "Id", "dataType": "Int64"}, {"name": "Amount",
                                                                                 "dataType": "Double"}]}
        dataset_id = client.create_dataset({"name": "Benchmark", "tables": [table]}, retention="basicFIFO")["id"]
        started = time.monotonic()
        for start in range(0, rows, BATCH):
            batch = [{"Id": n, "Amount": 1.0} for n in range(start, min(rows, start + BATCH))]
            client.post_rows(dataset_id, "Lines", batch)
        wall = time.monotonic() - started
        posts = sandbox.app.log.filter(vendor="powerbi", method="POST", path_contains="/rows")
        accepted = [(p.at * speed, BATCH) for p in posts if p.status == 200]
        return {"rows": powerbi.datasets[dataset_id].table("Lines").rows_received, "posts": len(accepted),
                "429s": sum(1 for p in posts if p.status == 429),
                "wall_seconds": wall, "compressed_hours": wall * speed / 3600, "quota_used": quota_used(accepted)}
    finally:
        sandbox.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=ROWS_PER_HOUR)
    parser.add_argument("--speed", type=float, default=120.0,
                        help="how much faster the quota clock runs (120: an hour in 30 s); pushing an hour's quota "
                             "must take less real time than a compressed hour, or the figure measures the CPU")
    args = parser.parse_args(argv)
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        try:
            figures = run(args.rows, args.speed)
        finally:
            teardown()
    print(f"rows {figures['rows']:,} in {figures['posts']} POSTs, {figures['wall_seconds']:.1f} s real = "
          f"{figures['compressed_hours']:.2f} h at {args.speed:g}× speed")
    print(f"quota used: {figures['quota_used']:.1f}% , 429s: {figures['429s']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
