"""Visma.net → monday.com item writes against the complexity budget: items per minute ÷ the ceiling the budget
allows, and how many times monday refused (429).

    python benchmarks/visma_monday.py                                  # 300 supplier invoices, 1,000,000 points / 10 s
    python benchmarks/visma_monday.py --items 1000 --budget 10000000 --window 60   # monday's real Pro budget

The flow runs through the engine in this interpreter (one run of the `supplier_invoices` stream, an empty board
set up first, untimed) over real HTTP to both sandboxes on a thread. The monday sandbox's per-minute complexity
budget is `--budget` points per `--window` seconds (compressed time: a window shorter than monday's minute makes
the budget the bottleneck without waiting minutes). The client learns each item create's cost from monday's
`complexity` answers; the ceiling is budget ÷ that cost per window. Throughput is measured from the first to the
last create monday applied, so a run that keeps the budget used without going over scores about 100 %, one that
is slower than the budget less, and refusals (429s: the client sent what monday would not take) are counted.
monday states the reset in whole seconds (`reset_in_x_seconds`, the RateLimit header's `t`), so the pacer may wait
up to a second past it: noticeable on a window of a few seconds, under 2 % of monday's 60 s.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, figures_emit, machine, table, workdir  # noqa: E402


def run(items: int, budget: int, window: float) -> dict:
    from connections.models import Tenant
    from connections.services import connection_create
    from connections.vendors import get_vendor
    from connections.vendors.monday.pacing import pacer_for
    from demo.setup import sandbox_connection_fields
    from sandbox.server import start_in_thread
    from syncs.engine import sync_run_create, sync_run_execute
    from syncs.flows.visma_monday.board import board_setup
    from syncs.services import integration_create
    from tests.support.monday_board import operations

    sandbox = start_in_thread()
    try:
        url = f"http://127.0.0.1:{sandbox.server.server_port}"
        app = sandbox.app
        app["visma"].seed(employees=0, customers=0, suppliers=10, supplier_invoices=items, customer_invoices=0,
                          purchase_orders=0, payments=0, journal_transactions=0)
        for vendor in ("visma", "monday"):
            app[vendor].limiter.limit = None  # the minute call limits are not what is measured
        tenant = Tenant.objects.create(name="Benchmark", slug="benchmark")
        source = connection_create(tenant=tenant, name="Visma", **sandbox_connection_fields("visma", url))
        destination = connection_create(tenant=tenant, name="monday", **sandbox_connection_fields("monday", url))
        integration = integration_create(tenant=tenant, name="AP board", flow_kind="visma_monday", source=source,
                                         destination=destination, streams=["supplier_invoices"])
        client = get_vendor("monday").client_for(destination)
        board_setup(integration=integration, client=client)
        monday = app["monday"]
        monday.complexity.limit, monday.complexity.window = budget, window
        monday.complexity._windows.clear()
        first_log = len(monday.log.filter(vendor="monday"))

        started = time.monotonic()
        finished = sync_run_execute(run=sync_run_create(integration=integration))
        seconds = time.monotonic() - started

        creates = [e for e in operations(monday, "ItemCreate", since=first_log) if e.status == 200]
        refused = len([e for e in monday.log.filter(vendor="monday")[first_log:] if e.status == 429])
        cost = pacer_for(client.cache_key).costs.get("ItemCreate")
        span = creates[-1].at - creates[0].at if len(creates) > 1 else 0.0
        per_minute = (len(creates) - 1) / span * 60 if span else 0.0
        ceiling = budget / cost * 60 / window if cost else 0.0
        return {"items": items, "created": len(creates), "run_status": finished.status, "run_seconds": seconds,
                "budget_points": budget, "window_seconds": window, "create_cost_points": cost,
                "items_per_minute": per_minute, "ceiling_items_per_minute": ceiling,
                "share_of_ceiling": per_minute / ceiling if ceiling else 0.0, "refused_429": refused,
                "pacer_waits": len(pacer_for(client.cache_key).waits)}
    finally:
        sandbox.server.shutdown()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--budget", type=int, default=1_000_000, help="complexity points per window")
    parser.add_argument("--window", type=float, default=10.0, help="seconds (monday's is 60)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    with workdir() as directory:
        teardown = django_bootstrap(Path(directory))
        try:
            figures = run(args.items, args.budget, args.window)
            figures["machine"] = machine()
        finally:
            teardown()
    text = table([
        ("supplier invoices → items", f"{figures['created']} of {figures['items']} ({figures['run_status']})"),
        ("complexity budget", f"{figures['budget_points']:,} points / {figures['window_seconds']:g} s"),
        ("one item create costs", f"{figures['create_cost_points']:,} points"),
        ("ceiling the budget allows", f"{figures['ceiling_items_per_minute']:,.0f} items/min"),
        ("measured", f"{figures['items_per_minute']:,.0f} items/min"),
        ("measured ÷ ceiling", f"{100 * figures['share_of_ceiling']:.1f} %"),
        ("429s (refused by monday)", str(figures["refused_429"])),
        ("waits the pacer asked for", str(figures["pacer_waits"])),
    ], ("Visma → monday.com", ""))
    return figures_emit(text, figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
