"""Rippling → Visma.net against the local sandboxes: speed, HTTP calls and memory of one integration.

    python benchmarks/rippling_visma.py --workers 10000          # one size, every figure
    python benchmarks/rippling_visma.py --compare 10000,100000   # one subprocess per size, memory side by side
    python benchmarks/rippling_visma.py --compare 10000,100000 --rss-only  # the same without tracemalloc
    python benchmarks/rippling_visma.py --workers 5000 --profile # where the initial load spends its time

The engine, both sandboxes (a werkzeug server on a thread, real HTTP over 127.0.0.1) and the database
client share this one interpreter and its GIL, so every rate includes the sandboxes' own work. The bare
`requests` baseline pays the same, which is what makes the overhead ratio fair. The sandboxes' rate limits
are switched off, so no phase waits for a quota window.

Phases: initial load (an empty Visma company, every worker created); baseline (the same calls from a bare
requests loop on an emptied Visma: the floor); unchanged re-sync (cursors reset, every worker read again,
nothing may be written); delta (1% of workers touched, only they are read and updated).
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (  # noqa: E402
    django_bootstrap,
    figures_emit,
    machine,
    peak_rss_mb,
    rss_mb,
    table,
    workdir,
)

RIPPLING_PAGE_CAP = 100  # Rippling's maximum page size (docs/vendors/rippling.md §3); the integration asks for it
DEPARTMENTS = 50
TOUCHED_SHARE = 0.01
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Bench:
    sandbox: object
    integration: object
    workers: int
    departments: int

    @property
    def app(self):
        return self.sandbox.app


# --- setup -------------------------------------------------------------------------------------------
def visma_empty(visma) -> None:
    visma.seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0, purchase_orders=0,
               payments=0, journal_transactions=0)


def integration_setup(bench_sandbox, *, slug: str):
    """A tenant, its two sandbox connections and the integration, every department mapped."""
    from connections.models import Tenant
    from connections.services import connection_create
    from demo.setup import sandbox_connection_fields
    from syncs.flows.rippling_visma import DEPARTMENT_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    app = bench_sandbox.app
    tenant = Tenant.objects.create(name=f"Benchmark {slug}", slug=slug)
    source = connection_create(tenant=tenant, name="Rippling (sandbox)",
                               **sandbox_connection_fields("rippling", bench_sandbox.url))
    destination = connection_create(tenant=tenant, name="Visma.net (sandbox)",
                                    **sandbox_connection_fields("visma", bench_sandbox.url))
    integration = integration_create(tenant=tenant, name="Rippling → Visma", flow_kind="rippling_visma",
                                     source=source, destination=destination,
                                     options={"page_size": RIPPLING_PAGE_CAP})
    visma_departments = sorted(app["visma"].data.reference["departments"])  # ADM, FIN, HR, IT, OPS, SALES
    ValueMapping.objects.bulk_create(
        ValueMapping(tenant=tenant, integration=integration, map_name=DEPARTMENT_MAP, source_value=department_id,
                     target_value=visma_departments[n % len(visma_departments)])
        for n, department_id in enumerate(sorted(app["rippling"].data["departments"].rows)))
    return integration


def bench_setup(sandbox, *, workers: int, departments: int) -> Bench:
    app = sandbox.app
    for vendor in ("rippling", "visma"):
        app[vendor].limiter.limit = None  # no quota windows: the benchmark measures work, not waiting
    app["rippling"].seed(workers=workers, departments=departments)
    visma_empty(app["visma"])
    return Bench(sandbox, integration_setup(sandbox, slug="benchmark"), workers, departments)


# --- measuring -----------------------------------------------------------------------------------------
@dataclass
class Took:
    seconds: float  # wall clock
    cpu_seconds: float  # every thread of this process, the sandboxes' included
    statements: int  # SQL statements the run sent through Django (BEGIN counted, COMMIT not)


def engine_run(integration) -> tuple[object, Took]:
    from django.db import connection

    from syncs.engine import sync_run_create, sync_run_execute

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    run = sync_run_create(integration=integration)
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        run = sync_run_execute(run=run)
    return run, Took(time.perf_counter() - started, time.process_time() - cpu_started, statements)


def by_stream(run) -> dict:
    """Audit rows of one run per stream and action: the engine writes one per record it handled."""
    from django.db.models import Count

    from audit.models import AuditRecord

    counts: dict = {}
    for row in AuditRecord.objects.filter(run=run).values("stream", "action").annotate(n=Count("id")):
        counts.setdefault(row["stream"], {})[row["action"]] = row["n"]
    return counts


def sandbox_traffic(app) -> dict:
    log = app.log
    visma = log.filter(vendor="visma")
    return {
        "rippling": len(log.filter(vendor="rippling")),
        "visma": len(visma),
        "visma_token": sum(1 for e in visma if e.path.endswith("/connect/token")),
        "worker_pages": len(log.filter(vendor="rippling", method="GET", path_contains="/workers")),
        "department_pages": len(log.filter(vendor="rippling", method="GET", path_contains="/departments")),
        # Writes to the ERP API only: the token endpoint lives under /visma-connect, not /visma/.
        "visma_writes": sum(1 for e in visma if e.method in WRITE_METHODS and e.path.startswith("/visma/")),
        "visma_gets": sum(1 for e in visma if e.method == "GET"),
        "errors": sum(1 for e in log.filter() if e.status >= 400),
    }


def minimum_calls(workers: int, departments: int) -> int:
    """One POST per employee + the worker pages + the department pages + one Visma token.

    Rippling's API key is static (no token call); its pages hold at most 100 records and the last one
    carries no next_link, so there are ceil(n/100) of them (at least one).
    """
    return workers + max(1, math.ceil(workers / RIPPLING_PAGE_CAP)) + max(1, math.ceil(departments / 100)) + 1


def initial_load(bench: Bench) -> dict:
    app = bench.app
    app.log.clear()
    gc.collect()
    before = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    run, took = engine_run(bench.integration)
    peak_after = peak_rss_mb()
    traffic = sandbox_traffic(app)
    employees = len(app["visma"].data.tables["employees"])
    assert run.status == "succeeded", f"initial load {run.status}: {run.error}"
    assert employees == bench.workers, f"{employees} Visma employees for {bench.workers} workers"
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "statements": took.statements,
            "employees": employees, "records_per_s": employees / took.seconds, "read": run.read, "created": run.created,
            "http_calls": run.http_calls, "traffic": traffic,
            "minimum_calls": minimum_calls(bench.workers, bench.departments),
            "rss_before_mb": before["rss_mb"], "peak_rss_before_mb": before["peak_rss_mb"],
            "peak_rss_mb": peak_after}


def baseline(bench: Bench) -> dict:
    """The floor: the same HTTP calls from a bare requests loop, with the flow's own mapping and body shape."""
    import requests

    from connections.vendors.visma.schemas import wrap_values
    from syncs.engine import mapping_set_load
    from syncs.flows.base import FlowContext
    from syncs.flows.rippling_visma import Employees

    app, integration = bench.app, bench.integration
    visma_empty(app["visma"])
    app.log.clear()
    mappings = mapping_set_load(integration=integration)
    employees = Employees(FlowContext(integration=integration, source=None, destination=None,
                                      options=dict(integration.options)))
    rippling, visma = integration.source, integration.destination
    rippling_base, visma_base = rippling.base_url.rstrip("/"), visma.base_url.rstrip("/")
    session = requests.Session()
    calls = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    token = session.post(visma.config["token_url"], timeout=30, data={
        "grant_type": "client_credentials", "client_id": visma.credentials["client_id"],
        "client_secret": visma.credentials["client_secret"], "tenant_id": visma.credentials["tenant_id"],
        "scope": visma.config.get("scope", "")}).json()["access_token"]
    calls += 1
    read_headers = {"Authorization": f"Bearer {rippling.credentials['api_key']}", "Accept": "application/json"}
    write_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session.get(f"{rippling_base}/departments/", headers=read_headers, timeout=30,
                params={"limit": RIPPLING_PAGE_CAP, "order_by": "created_at"}).raise_for_status()
    calls += 1
    url = f"{rippling_base}/workers/"
    params: dict | None = {"limit": RIPPLING_PAGE_CAP, "expand": "user", "order_by": "created_at"}
    posted = 0
    while url:
        response = session.get(url, params=params, headers=read_headers, timeout=30)
        response.raise_for_status()
        calls += 1
        page = response.json()
        for worker in page["results"]:
            body = wrap_values(employees.map(worker, mappings))
            created = session.post(f"{visma_base}/v1/employee", json=body, headers=write_headers, timeout=30)
            calls += 1
            if created.status_code != 201:
                raise AssertionError(f"baseline POST answered {created.status_code}: {created.text[:300]}")
            posted += 1
        url, params = page.get("next_link"), None
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    assert posted == bench.workers == len(app["visma"].data.tables["employees"])
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "employees": posted, "records_per_s": posted / seconds,
            "http_calls": calls, "traffic": sandbox_traffic(app)}


def unchanged_resync(bench: Bench) -> dict:
    from syncs.models import Cursor

    app = bench.app
    Cursor.objects.filter(integration=bench.integration).update(value={})
    app.log.clear()
    run, took = engine_run(bench.integration)
    traffic = sandbox_traffic(app)
    assert run.status == "succeeded", f"unchanged re-sync {run.status}: {run.error}"
    assert traffic["visma_writes"] == 0, f"an unchanged re-sync wrote {traffic['visma_writes']} times to Visma"
    assert run.created == run.updated == 0 and run.unchanged == bench.workers + bench.departments, run.__dict__
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "statements": took.statements,
            "read": run.read, "unchanged": run.unchanged, "records_per_s": run.read / took.seconds, "http_calls": run.http_calls, "writes": traffic["visma_writes"],
            "traffic": traffic}


def delta(bench: Bench) -> dict:
    app = bench.app
    rippling = app["rippling"]
    app.clock.advance(60)  # the touched workers' updated_at lies after every watermark already saved
    workers = sorted(rippling.data["workers"].rows)
    touched = workers[::round(1 / TOUCHED_SHARE)][:max(1, round(len(workers) * TOUCHED_SHARE))]
    for worker_id in touched:
        rippling.update_worker(worker_id, title=f"{rippling.worker(worker_id)['title']} II")
    app.log.clear()
    run, took = engine_run(bench.integration)
    traffic = sandbox_traffic(app)
    streams = by_stream(run)
    employees = streams.get("employees", {})
    assert run.status == "succeeded", f"delta {run.status}: {run.error}"
    assert employees.get("update", 0) == len(touched), streams
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "statements": took.statements,
            "touched": len(touched), "read": run.read,
            "employees_read": sum(employees.values()), "departments_read": sum(streams.get("departments", {}).values()),
            "updated": run.updated, "created": run.created, "unchanged": run.unchanged,
            "http_calls": run.http_calls, "writes": traffic["visma_writes"], "traffic": traffic}


def traced_load(bench: Bench) -> dict:
    """A second initial load (new integration, emptied Visma) under tracemalloc: the sync call's own peak.

    tracemalloc sees every thread, so the peak includes what the sandbox keeps while serving (the new Visma
    employees, the request log); that part is measured by dropping both afterwards and reported apart.
    """
    app = bench.app
    visma_empty(app["visma"])
    integration = integration_setup(bench.sandbox, slug="benchmark-traced")
    app.log.clear()
    gc.collect()
    tracemalloc.start()
    run, took = engine_run(integration)
    current, peak = tracemalloc.get_traced_memory()
    app.log.clear()
    visma_empty(app["visma"])
    gc.collect()
    after_drop = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert run.status == "succeeded", f"traced load {run.status}: {run.error}"
    sandbox_held = max(0, current - after_drop)
    return {"seconds": took.seconds, "peak_mb": peak / 2**20, "sandbox_held_mb": sandbox_held / 2**20,
            "engine_peak_mb": (peak - sandbox_held) / 2**20}


def profile_initial_load(bench: Bench, top: int = 25) -> None:
    """cProfile of the initial load (main thread only: the sandbox's own work shows up as socket waits)."""
    import cProfile
    import io
    import pstats

    app = bench.app
    app.log.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    run, took = engine_run(bench.integration)
    profiler.disable()
    seconds = took.seconds
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = sum(s[2] for s in stats.stats.values())  # tottime summed: the profiled thread's time
    print(f"\ncProfile of the initial load: {run.created} created in {seconds:.1f}s (profiled, so slower)")
    rows = []
    for (filename, line, function), (cc, nc, tottime, cumtime, _) in sorted(
            stats.stats.items(), key=lambda item: -item[1][3])[:top]:
        where = filename.replace(str(Path(__file__).resolve().parent.parent) + "/", "")
        rows.append((f"{where}:{line}:{function}", nc, f"{tottime:.2f}", f"{cumtime:.2f}",
                     f"{100 * cumtime / seconds:.0f}%"))
    print(table(rows, ("function (by cumulative time)", "calls", "own s", "cum s", "of wall")))
    by_own = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    rows = [(f"{f.replace(str(Path(__file__).resolve().parent.parent) + '/', '')}:{line}:{fn}", v[1], f"{v[2]:.2f}",
             f"{100 * v[2] / total:.0f}%") for (f, line, fn), v in by_own]
    print()
    print(table(rows, ("function (by own time)", "calls", "own s", "of profiled")))


# --- reporting -------------------------------------------------------------------------------------------
def report(figures: dict) -> str:
    m, n, d = figures["machine"], figures["workers"], figures["departments"]
    init, base = figures["initial"], figures.get("baseline")
    lines = [
        f"Rippling → Visma.net benchmark: {n:,} workers in {d} departments, page size {RIPPLING_PAGE_CAP}",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['python']} on {m['os']}; "
        f"database {m['database']}",
        "Sandboxes on a thread of this process (real HTTP on 127.0.0.1), their rate limits switched off "
        "(limiter.limit = None) so nothing waits for a quota window.",
        "",
    ]
    t = init["traffic"]
    rows = [("initial load", f"{init['seconds']:.1f}", f"{init['cpu_seconds']:.1f}", f"{init['records_per_s']:.0f}",
             init["http_calls"], f"{init['http_calls'] / n:.3f}",
             f"created {init['created'] - d:,} employees + {d} departments")]
    if base:
        rows.append(("baseline (bare requests)", f"{base['seconds']:.1f}", f"{base['cpu_seconds']:.1f}",
                     f"{base['records_per_s']:.0f}", base["http_calls"], f"{base['http_calls'] / n:.3f}",
                     f"posted {base['employees']:,} employees"))
    if "unchanged" in figures:
        u = figures["unchanged"]
        rows.append(("unchanged re-sync", f"{u['seconds']:.1f}", f"{u['cpu_seconds']:.1f}", f"{u['records_per_s']:.0f}",
                     u["http_calls"], f"{u['http_calls'] / n:.3f}",
                     f"read {u['read']:,}, unchanged {u['unchanged']:,}, writes made {u['writes']}"))
    if "delta" in figures:
        de = figures["delta"]
        rows.append((f"delta ({de['touched']:,} touched)", f"{de['seconds']:.2f}", f"{de['cpu_seconds']:.2f}",
                     f"{de['employees_read'] / de['seconds']:.0f}", de["http_calls"], "",
                     f"read {de['read']:,} ({de['employees_read']:,} workers + {de['departments_read']} departments), "
                     f"updated {de['updated']:,}, writes made {de['writes']:,}"))
    lines.append(table(rows, ("phase", "wall s", "CPU s", "records/s", "HTTP calls", "calls/record", "")))
    lines += [
        "",
        f"HTTP calls, initial load: engine counted {init['http_calls']:,}; the sandbox logged {t['rippling']:,} "
        f"Rippling + {t['visma']:,} Visma = {t['rippling'] + t['visma']:,} ({t['errors']} answered >= 400).",
        f"  minimum {init['minimum_calls']:,} = {n:,} POSTs (one per employee) + {max(1, math.ceil(n / 100)):,} "
        f"worker pages (ceil({n:,}/100)) + {max(1, math.ceil(d / 100))} department page(s) + 1 Visma token "
        f"(Rippling's API key is static);",
        f"  made {init['http_calls'] / init['minimum_calls']:.3f}x the minimum "
        f"({init['http_calls'] / n:.3f} calls per record vs {init['minimum_calls'] / n:.3f}).",
    ]
    statements = [f"initial load {init['statements']:,} ({init['statements'] / init['read']:.2f} per record read)"]
    statements += [f"{label} {figures[key]['statements']:,} ({figures[key]['statements'] / figures[key]['read']:.2f})"
                   for key, label in (("unchanged", "unchanged re-sync"), ("delta", "delta")) if key in figures]
    lines.append(f"SQL statements sent by the engine (BEGIN counted, COMMIT not): {'; '.join(statements)}.")
    if base:
        lines.append(f"Engine overhead: the engine's initial load takes {init['seconds'] / base['seconds']:.2f}x the "
                     f"bare loop's time ({init['records_per_s']:.0f} vs {base['records_per_s']:.0f} records/s) and "
                     f"{init['cpu_seconds'] / base['cpu_seconds']:.2f}x its CPU time "
                     f"({1000 * init['cpu_seconds'] / n:.1f} vs {1000 * base['cpu_seconds'] / n:.1f} ms per employee, "
                     "sandbox threads included: CPU time is what other load on the machine disturbs least).")
    if "unchanged" in figures:
        lines.append(f"Unchanged re-sync: {figures['unchanged']['writes']} POST/PUT to /visma/ in the sandbox log "
                     "(asserted 0).")
    if "delta" in figures:
        de = figures["delta"]
        lines.append(f"Delta: {de['traffic']['worker_pages']} worker page(s), {de['traffic']['visma_gets']} Visma GETs "
                     f"(ETag for If-Match) and {de['writes']} PUTs for {de['updated']} updates.")
    lines.append(f"Memory: RSS {init['rss_before_mb']:.0f} MB before the initial load (sandboxes seeded), peak "
                 f"{init['peak_rss_mb']:.0f} MB after it (ru_maxrss; the sandboxes live in this process).")
    if "traced" in figures:
        tr = figures["traced"]
        lines.append(f"tracemalloc over a second initial load ({tr['seconds']:.1f}s traced): peak "
                     f"{tr['peak_mb']:.0f} MB, of which the sandbox held {tr['sandbox_held_mb']:.0f} MB at the end "
                     f"(new Visma employees, request log): engine and clients ~{tr['engine_peak_mb']:.0f} MB.")
    return "\n".join(lines)


def compare_report(results: dict[int, dict]) -> str:
    sizes = sorted(results)
    initial = {s: results[s]["initial"] for s in sizes}
    rows = [
        ("initial load, s", *(f"{initial[s]['seconds']:.1f}" for s in sizes)),
        ("initial load, records/s", *(f"{initial[s]['records_per_s']:.0f}" for s in sizes)),
        ("RSS before the load, MB", *(f"{initial[s]['rss_before_mb']:.0f}" for s in sizes)),
        ("peak RSS after it, MB (ru_maxrss)", *(f"{initial[s]['peak_rss_mb']:.0f}" for s in sizes)),
        ("  growth during the load, MB", *(f"{initial[s]['peak_rss_mb'] - initial[s]['rss_before_mb']:.0f}"
                                           for s in sizes)),
    ]
    if all("traced" in results[s] for s in sizes):
        rows += [
            ("tracemalloc peak of the sync, MB", *(f"{results[s]['traced']['peak_mb']:.0f}" for s in sizes)),
            ("  of it held by the sandbox, MB", *(f"{results[s]['traced']['sandbox_held_mb']:.0f}" for s in sizes)),
            ("  engine and clients, MB", *(f"{results[s]['traced']['engine_peak_mb']:.0f}" for s in sizes)),
        ]
    return table(rows, ("one process per size", *(f"{s:,} workers" for s in sizes)))


# --- entry points ------------------------------------------------------------------------------------------
def run_one(args) -> dict:
    from sandbox.server import start_in_thread

    sandbox = start_in_thread()
    try:
        seeded = time.perf_counter()
        bench = bench_setup(sandbox, workers=args.workers, departments=args.departments)
        figures = {"workers": args.workers, "departments": args.departments, "machine": machine(),
                   "setup_seconds": time.perf_counter() - seeded}
        if args.profile:
            profile_initial_load(bench)
            return figures
        figures["initial"] = initial_load(bench)
        if not args.skip_baseline:
            figures["baseline"] = baseline(bench)
        figures["unchanged"] = unchanged_resync(bench)
        figures["delta"] = delta(bench)
        if args.trace_memory:
            figures["traced"] = traced_load(bench)
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
            if not args.rss_only:
                command.append("--trace-memory")
            if args.skip_baseline:
                command.append("--skip-baseline")
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
    parser.add_argument("--compare", metavar="N,M", help="one subprocess per size; peak memory side by side")
    parser.add_argument("--skip-baseline", action="store_true", help="leave out the bare requests loop")
    parser.add_argument("--rss-only", action="store_true",
                        help="with --compare: peak RSS only, no tracemalloc load (half the time)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="add a second initial load under tracemalloc (slower; --compare turns it on)")
    parser.add_argument("--profile", action="store_true", help="only the initial load, under cProfile")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON (with --compare: per size)")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args)
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        try:
            figures = run_one(args)
        finally:
            teardown()
    if args.profile:
        return 0
    return figures_emit(report(figures), figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
