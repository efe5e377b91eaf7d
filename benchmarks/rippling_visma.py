"""Rippling → Visma.net against the local sandboxes: speed, HTTP calls and memory of one integration.

    python benchmarks/rippling_visma.py --workers 10000                  # one size, every figure
    python benchmarks/rippling_visma.py --workers 3000 --latency-ms 100  # + the same load with 100 ms per call
    python benchmarks/rippling_visma.py --compare 10000,100000 --rss-only  # one process per size, engine memory
    python benchmarks/rippling_visma.py --workers 5000 --profile         # where the initial load spends its time

The sandboxes run in a process of their own (`manage.py sandbox`, real HTTP over 127.0.0.1), controlled over
their /_sandbox/ routes; this process is the engine's, so its CPU time and peak RSS are the engine's. The bare
`requests` baselines make the same calls to the same sandbox process: one sequential, one with as many
requests in flight as the sandbox saw from the engine (a ThreadPoolExecutor of that size), which is what
the engine's ratio is taken against. Rate limits are switched off, so no phase waits for a quota window.

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
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import REPO, django_bootstrap, machine, peak_rss_mb, rss_mb, table, workdir  # noqa: E402

RIPPLING_PAGE_CAP = 100  # Rippling's maximum page size (docs/vendors/rippling.md §3); the integration asks for it
DEPARTMENTS = 50
TOUCHED_SHARE = 0.01
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
VISMA_EMPTY = {"employees": 0, "customers": 0, "suppliers": 0, "supplier_invoices": 0, "customer_invoices": 0,
               "purchase_orders": 0, "payments": 0, "journal_transactions": 0}
EMPLOYEE_DEFAULTS = {"employeeClass": "EMPDEF", "branch": "1", "calendar": "MAIN"}  # the flow's defaults


class SandboxProcess:
    """`manage.py sandbox` in a process of its own, driven over HTTP."""

    def __init__(self, tmp: Path, *, latency_ms: float = 0):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "VAR_DIR": str(tmp / "sandbox-var"), "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "manage.py", "sandbox", "--port", str(self.port), "--state", ""]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        self.stderr = open(tmp / "sandbox.log", "w")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.session = requests.Session()
        for _ in range(300):
            try:
                self.session.get(f"{self.url}/_sandbox/health", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not start: {(tmp / 'sandbox.log').read_text()[-2000:]}")

    def post(self, path: str, body: dict | None = None):
        response = self.session.post(f"{self.url}{path}", json=body or {}, timeout=600)
        response.raise_for_status()
        return response.json()

    def get(self, path: str, **params):
        response = self.session.get(f"{self.url}{path}", params=params, timeout=600)
        response.raise_for_status()
        return response.json()

    def count(self, **filters) -> int:
        return self.get("/_sandbox/log/count", **filters)["count"]

    def tables(self, vendor: str) -> dict:
        return self.get("/_sandbox/stats")["tables"][vendor]

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (user + system, from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.stderr.close()


@dataclass
class Bench:
    sandbox: SandboxProcess
    integration: object
    workers: int
    departments: int
    department_map: dict  # Rippling department id → Visma department, as mapped in the integration


# --- setup -------------------------------------------------------------------------------------------
def integration_setup(sandbox: SandboxProcess, *, slug: str):
    """A tenant, its two sandbox connections and the integration, every department mapped."""
    from connections.models import Tenant
    from connections.services import connection_create
    from connections.vendors import get_vendor
    from demo.setup import sandbox_connection_fields
    from syncs.flows.rippling_visma import DEPARTMENT_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    tenant = Tenant.objects.create(name=f"Benchmark {slug}", slug=slug)
    source = connection_create(tenant=tenant, name="Rippling (sandbox)",
                               **sandbox_connection_fields("rippling", sandbox.url))
    destination = connection_create(tenant=tenant, name="Visma.net (sandbox)",
                                    **sandbox_connection_fields("visma", sandbox.url))
    integration = integration_create(tenant=tenant, name="Rippling → Visma", flow_kind="rippling_visma",
                                     source=source, destination=destination,
                                     options={"page_size": RIPPLING_PAGE_CAP})
    visma_client = get_vendor("visma").client_for(destination)
    visma_departments = sorted(d["departmentId"] for d in visma_client.list_departments())
    visma_client.invalidate_token()  # the initial load starts without a token, as a first run does
    rippling_departments = sorted(d["id"] for d in get_vendor("rippling").client_for(source).list_departments())
    department_map = {department_id: visma_departments[n % len(visma_departments)]
                      for n, department_id in enumerate(rippling_departments)}
    ValueMapping.objects.bulk_create(
        ValueMapping(tenant=tenant, integration=integration, map_name=DEPARTMENT_MAP, source_value=source_value,
                     target_value=target) for source_value, target in department_map.items())
    return integration, department_map


def bench_setup(sandbox: SandboxProcess, *, workers: int, departments: int, slug: str = "benchmark") -> Bench:
    for vendor in ("rippling", "visma"):
        sandbox.post(f"/_sandbox/{vendor}/limits", {"limit": None})  # no quota windows: work, not waiting
    sandbox.post("/_sandbox/rippling/seed", {"workers": workers, "departments": departments})
    sandbox.post("/_sandbox/visma/seed", VISMA_EMPTY)
    integration, department_map = integration_setup(sandbox, slug=slug)
    return Bench(sandbox, integration, workers, departments, department_map)


# --- measuring -----------------------------------------------------------------------------------------
@dataclass
class Took:
    seconds: float  # wall clock
    cpu_seconds: float  # this process: the engine (the sandbox is another process)
    statements: int  # SQL statements the run sent through Django (BEGIN counted, COMMIT not)
    run_thread_cpu_seconds: float = 0.0  # of cpu_seconds, the run's own thread (planning, settling, SQL)


def engine_run(integration) -> tuple[object, Took]:
    from django.db import connection

    from syncs.engine import sync_run_create, sync_run_execute

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    run = sync_run_create(integration=integration)
    started, cpu_started, thread_started = time.perf_counter(), time.process_time(), time.thread_time()
    with connection.execute_wrapper(count):
        run = sync_run_execute(run=run)
    return run, Took(time.perf_counter() - started, time.process_time() - cpu_started, statements,
                     time.thread_time() - thread_started)


def by_stream(run) -> dict:
    """Audit rows of one run per stream and action: the engine writes one per record it handled."""
    from django.db.models import Count

    from audit.models import AuditRecord

    counts: dict = {}
    for row in AuditRecord.objects.filter(run=run).values("stream", "action").annotate(n=Count("id")):
        counts.setdefault(row["stream"], {})[row["action"]] = row["n"]
    return counts


def sandbox_traffic(sandbox: SandboxProcess) -> dict:
    count = sandbox.count
    # Writes to the ERP API only: the token endpoint lives under /visma-connect, not /visma/.
    writes = sum(count(vendor="visma", method=m, path_contains="/visma/") for m in WRITE_METHODS)
    return {
        "rippling": count(vendor="rippling"),
        "visma": count(vendor="visma"),
        "visma_token": count(vendor="visma", path_contains="/connect/token"),
        "worker_pages": count(vendor="rippling", method="GET", path_contains="/workers"),
        "department_pages": count(vendor="rippling", method="GET", path_contains="/departments"),
        "visma_writes": writes,
        "visma_gets": count(vendor="visma", method="GET"),
        "errors": count(status_at_least=400),
        "in_flight_peak": sandbox.get("/_sandbox/stats")["in_flight_peak"],
    }


def minimum_calls(workers: int, departments: int) -> int:
    """One POST per employee + the worker pages + the department pages + one Visma token.

    Rippling's API key is static (no token call); its pages hold at most 100 records and the last one
    carries no next_link, so there are ceil(n/100) of them (at least one).
    """
    return workers + max(1, math.ceil(workers / RIPPLING_PAGE_CAP)) + max(1, math.ceil(departments / 100)) + 1


def initial_load(bench: Bench, integration=None) -> dict:
    sandbox = bench.sandbox
    sandbox.post("/_sandbox/log/clear")
    before = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    sandbox_cpu = sandbox.cpu_seconds()
    run, took = engine_run(integration or bench.integration)
    peak_after = peak_rss_mb()
    sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu
    traffic = sandbox_traffic(sandbox)
    employees = sandbox.tables("visma")["employees"]
    assert run.status == "succeeded", f"initial load {run.status}"
    assert employees == bench.workers, f"{employees} Visma employees for {bench.workers} workers"
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "sandbox_cpu_seconds": sandbox_cpu,
            "run_thread_cpu_seconds": took.run_thread_cpu_seconds,
            "statements": took.statements, "employees": employees, "records_per_s": employees / took.seconds,
            "read": run.read, "created": run.created, "http_calls": run.http_calls, "traffic": traffic,
            "in_flight": traffic["in_flight_peak"], "minimum_calls": minimum_calls(bench.workers, bench.departments),
            "rss_before_mb": before["rss_mb"], "peak_rss_before_mb": before["peak_rss_mb"],
            "peak_rss_mb": peak_after}


def employee_body(worker: dict, department_map: dict) -> dict:
    """What the flow sends for a worker with the default field mappings, built without the engine."""
    from connections.vendors.visma.schemas import wrap_values

    user = worker.get("user") or {}
    fields = {**EMPLOYEE_DEFAULTS, "employeeCd": str(int(worker["number"])),
              "contact": {"firstName": (user.get("name") or {}).get("given_name"),
                          "lastName": (user.get("name") or {}).get("family_name"),
                          "email": worker["work_email"], "title": worker.get("title")},
              "department": department_map[worker["department_id"]],
              "status": "Inactive" if worker.get("status") == "TERMINATED" else "Active"}
    fields["contact"] = {k: v for k, v in fields["contact"].items() if v is not None}
    return wrap_values(fields)


def baseline(bench: Bench, *, in_flight: int = 1) -> dict:
    """The floor: the same HTTP calls from a bare requests loop. Pages are read one after the other, as the
    engine reads them; each page's POSTs go `in_flight` at a time (1: one after the other)."""
    sandbox, integration = bench.sandbox, bench.integration
    sandbox.post("/_sandbox/visma/seed", VISMA_EMPTY)
    sandbox.post("/_sandbox/log/clear")
    rippling, visma = integration.source, integration.destination
    rippling_base, visma_base = rippling.base_url.rstrip("/"), visma.base_url.rstrip("/")
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    calls = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    token = session().post(visma.config["token_url"], timeout=30, data={
        "grant_type": "client_credentials", "client_id": visma.credentials["client_id"],
        "client_secret": visma.credentials["client_secret"], "tenant_id": visma.credentials["tenant_id"],
        "scope": visma.config.get("scope", "")}).json()["access_token"]
    calls += 1
    read_headers = {"Authorization": f"Bearer {rippling.credentials['api_key']}", "Accept": "application/json"}
    write_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session().get(f"{rippling_base}/departments/", headers=read_headers, timeout=30,
                  params={"limit": RIPPLING_PAGE_CAP, "order_by": "created_at"}).raise_for_status()
    calls += 1

    def post(worker: dict) -> None:
        created = session().post(f"{visma_base}/v1/employee", json=employee_body(worker, bench.department_map),
                                 headers=write_headers, timeout=30)
        if created.status_code != 201:
            raise AssertionError(f"baseline POST answered {created.status_code}: {created.text[:300]}")

    url = f"{rippling_base}/workers/"
    params: dict | None = {"limit": RIPPLING_PAGE_CAP, "expand": "user", "order_by": "created_at"}
    posted = 0
    with ThreadPoolExecutor(max_workers=max(1, in_flight)) as pool:
        while url:
            response = session().get(url, params=params, headers=read_headers, timeout=30)
            response.raise_for_status()
            calls += 1
            page = response.json()
            if in_flight > 1:
                list(pool.map(post, page["results"]))
            else:
                for worker in page["results"]:
                    post(worker)
            posted += len(page["results"])
            calls += len(page["results"])
            url, params = page.get("next_link"), None
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    traffic = sandbox_traffic(sandbox)
    assert posted == bench.workers == sandbox.tables("visma")["employees"]
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "employees": posted, "records_per_s": posted / seconds,
            "http_calls": calls, "in_flight": in_flight, "traffic": traffic}


def unchanged_resync(bench: Bench) -> dict:
    from syncs.models import Cursor

    sandbox = bench.sandbox
    Cursor.objects.filter(integration=bench.integration).update(value={})
    sandbox.post("/_sandbox/log/clear")
    run, took = engine_run(bench.integration)
    traffic = sandbox_traffic(sandbox)
    assert run.status == "succeeded", f"unchanged re-sync {run.status}"
    assert traffic["visma_writes"] == 0, f"an unchanged re-sync wrote {traffic['visma_writes']} times to Visma"
    assert run.created == run.updated == 0 and run.unchanged == bench.workers + bench.departments, run.__dict__
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "statements": took.statements,
            "read": run.read, "unchanged": run.unchanged, "records_per_s": run.read / took.seconds,
            "http_calls": run.http_calls, "writes": traffic["visma_writes"], "traffic": traffic}


def delta(bench: Bench) -> dict:
    sandbox = bench.sandbox
    sandbox.post("/_sandbox/clock", {"advance": 60})  # the touched workers' updated_at lies after every watermark
    workers = sandbox.post("/rippling/_control/worker_ids")
    touched = workers[::round(1 / TOUCHED_SHARE)][:max(1, round(len(workers) * TOUCHED_SHARE))]
    for n, worker_id in enumerate(touched):
        sandbox.post("/rippling/_control/update_worker", {"worker_id": worker_id, "title": f"Touched {n}"})
    sandbox.post("/_sandbox/log/clear")
    run, took = engine_run(bench.integration)
    traffic = sandbox_traffic(sandbox)
    streams = by_stream(run)
    employees = streams.get("employees", {})
    assert run.status == "succeeded", f"delta {run.status}"
    assert employees.get("update", 0) == len(touched), streams
    return {"seconds": took.seconds, "cpu_seconds": took.cpu_seconds, "statements": took.statements,
            "touched": len(touched), "read": run.read,
            "employees_read": sum(employees.values()), "departments_read": sum(streams.get("departments", {}).values()),
            "updated": run.updated, "created": run.created, "unchanged": run.unchanged,
            "http_calls": run.http_calls, "writes": traffic["visma_writes"], "traffic": traffic}


def pairs(bench: Bench, first: tuple[dict, dict], count: int) -> dict:
    """More (engine initial load, matched bare loop) pairs, each on a new integration and an emptied Visma,
    the two run right after each other: on a shared machine the load changes within a minute, and a
    pair's halves see much the same load where the whole run's phases do not. The no-latency ratio is
    then the median of the pairs' ratios."""
    results = [first]
    for n in range(2, count + 1):
        pair = bench_setup(bench.sandbox, workers=bench.workers, departments=bench.departments,
                           slug=f"benchmark-pair-{n}")
        engine = initial_load(pair)
        matched = baseline(pair, in_flight=engine["in_flight"])
        results.append((engine, matched))
    found = sorted(e["records_per_s"] / m["records_per_s"] for e, m in results)
    return {"ratios": [e["records_per_s"] / m["records_per_s"] for e, m in results],
            "engine_records_per_s": [e["records_per_s"] for e, _ in results],
            "matched_records_per_s": [m["records_per_s"] for _, m in results],
            "in_flight": [e["in_flight"] for e, _ in results], "median": found[len(found) // 2]
            if len(found) % 2 else (found[len(found) // 2 - 1] + found[len(found) // 2]) / 2}


def with_latency(bench: Bench, *, latency_ms: float, workers: int) -> dict:
    """An initial load and both bare loops again, every vendor call delayed by `latency_ms` (tokens are not)."""
    sandbox = bench.sandbox
    sandbox.post("/_sandbox/faults", {"*": {"latency_ms": latency_ms}})
    slow = bench_setup(sandbox, workers=workers, departments=bench.departments, slug="benchmark-latency")
    try:
        engine = initial_load(slow)
        sequential = baseline(slow, in_flight=1)
        matched = baseline(slow, in_flight=engine["in_flight"]) if engine["in_flight"] > 1 else sequential
    finally:
        sandbox.post("/_sandbox/faults", {"*": {"latency_ms": 0}})
    return {"latency_ms": latency_ms, "workers": workers, "engine": engine, "sequential": sequential,
            "matched": matched, "ratio": engine["records_per_s"] / matched["records_per_s"],
            "vs_sequential": engine["records_per_s"] / sequential["records_per_s"]}


def webhook_latency(bench: Bench, *, samples: int = 20) -> dict:
    """Webhook-to-Visma-write latency (p50/p95): a worker changed in Rippling, its App Shop event POSTed to
    the connection's intake URL (/hooks/<token>/, through Django's test client in this process), until the
    sandbox has logged the Visma PUT it causes. The event is processed here, eagerly, as a worker would
    process it: the broker's queueing time is not included. 'n/a' when the engine has no intake."""
    from urllib.parse import urlencode

    try:
        from syncs.webhooks import inbound_hook  # noqa: F401 (issue #9 §3)
    except ImportError:
        return {"p50_ms": None, "p95_ms": None, "note": "n/a: no webhook intake in this engine (syncs/webhooks.py)"}
    from django.test import Client

    from mlconnector.celery import app as celery_app
    from sandbox.vendors.rippling import COMPANY_ID
    from syncs.services import integration_update

    integration_update(integration=bench.integration, enabled=True)  # events feed enabled integrations only
    sandbox, hook = bench.sandbox, f"/hooks/{bench.integration.source.webhook_token}/"
    workers = sandbox.post("/rippling/_control/worker_ids")
    picked = workers[1::max(1, len(workers) // samples)][:samples]
    client, waits = Client(), []
    celery_app.conf.task_always_eager = True
    try:
        for n, worker_id in enumerate(picked):
            sandbox.post("/_sandbox/clock", {"advance": 1})
            sandbox.post("/rippling/_control/update_worker", {"worker_id": worker_id, "title": f"Hooked {n}"})
            puts = sandbox.count(vendor="visma", method="PUT")
            started = time.perf_counter()
            answer = client.post(hook, urlencode({"event_name": "employee.updated", "company_id": COMPANY_ID,
                                                  "id": worker_id}),
                                 content_type="application/x-www-form-urlencoded")
            assert answer.status_code == 200, answer.content[:300]
            while sandbox.count(vendor="visma", method="PUT") == puts:
                if time.perf_counter() - started > 30:
                    raise AssertionError(f"no Visma write within 30 s of the webhook for worker {worker_id}")
                time.sleep(0.002)
            waits.append(1000 * (time.perf_counter() - started))
    finally:
        celery_app.conf.task_always_eager = False
    waits.sort()
    return {"p50_ms": waits[len(waits) // 2], "p95_ms": waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))],
            "samples": len(waits), "note": "intake → Visma PUT, processed in this process (no broker wait)"}


def profile_initial_load(bench: Bench, top: int = 25) -> None:
    """cProfile of the initial load (this process: the engine; the sandbox is another process)."""
    import cProfile
    import io
    import pstats

    bench.sandbox.post("/_sandbox/log/clear")
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
        where = filename.replace(str(REPO) + "/", "")
        rows.append((f"{where}:{line}:{function}", nc, f"{tottime:.2f}", f"{cumtime:.2f}",
                     f"{100 * cumtime / seconds:.0f}%"))
    print(table(rows, ("function (by cumulative time)", "calls", "own s", "cum s", "of wall")))
    by_own = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    rows = [(f"{f.replace(str(REPO) + '/', '')}:{line}:{fn}", v[1], f"{v[2]:.2f}",
             f"{100 * v[2] / total:.0f}%") for (f, line, fn), v in by_own]
    print()
    print(table(rows, ("function (by own time)", "calls", "own s", "of profiled")))


# --- reporting -------------------------------------------------------------------------------------------
def phase_row(label: str, figures: dict, n: int, note: str) -> tuple:
    return (label, f"{figures['seconds']:.1f}", f"{figures['cpu_seconds']:.1f}", f"{figures['records_per_s']:.0f}",
            figures["http_calls"], f"{figures['http_calls'] / n:.3f}", figures.get("in_flight", ""), note)


def ratios(figures: dict) -> dict:
    """Engine records/s ÷ the bare loop's with as many requests in flight, with and without latency."""
    init, matched = figures["initial"], figures.get("baseline_matched") or figures.get("baseline")
    slow = figures.get("latency")
    if figures.get("pairs"):
        return {"no_latency": figures["pairs"]["median"], "latency": slow["ratio"] if slow else None,
                "latency_ms": slow["latency_ms"] if slow else None}
    return {"no_latency": init["records_per_s"] / matched["records_per_s"] if matched else None,
            "latency": slow["ratio"] if slow else None, "latency_ms": slow["latency_ms"] if slow else None}


def ratios_line(figures: dict) -> str:
    r = ratios(figures)
    label = f"latency-{r['latency_ms']:g}ms" if r["latency_ms"] else "latency-100ms"
    shown = [f"{value:.2f}" if value is not None else "n/a" for value in (r["no_latency"], r["latency"])]
    return f"ratios: no-latency {shown[0]}, {label} {shown[1]}"


def report(figures: dict) -> str:
    m, n, d = figures["machine"], figures["workers"], figures["departments"]
    init, base, matched = figures["initial"], figures.get("baseline"), figures.get("baseline_matched")
    lines = [
        f"Rippling → Visma.net benchmark: {n:,} workers in {d} departments, page size {RIPPLING_PAGE_CAP}",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['python']} on {m['os']}; "
        f"database {m['database']}",
        "Sandboxes in a process of their own (manage.py sandbox, real HTTP on 127.0.0.1), rate limits off; "
        "CPU s and memory are this process's: the engine's (or the bare loop's).",
        "",
    ]
    rows = [phase_row("initial load", init, n, f"created {init['created'] - d:,} employees + {d} departments")]
    if base:
        rows.append(phase_row("bare loop, sequential", base, n, f"posted {base['employees']:,} employees"))
    if matched and matched is not base:
        rows.append(phase_row(f"bare loop, {matched['in_flight']} in flight", matched, n,
                              f"posted {matched['employees']:,} employees"))
    if "unchanged" in figures:
        u = figures["unchanged"]
        rows.append(phase_row("unchanged re-sync", u, n,
                              f"read {u['read']:,}, unchanged {u['unchanged']:,}, writes made {u['writes']}"))
    if "delta" in figures:
        de = figures["delta"]
        rows.append((f"delta ({de['touched']:,} touched)", f"{de['seconds']:.2f}", f"{de['cpu_seconds']:.2f}",
                     f"{de['employees_read'] / de['seconds']:.0f}", de["http_calls"], "", "",
                     f"read {de['read']:,} ({de['employees_read']:,} workers + {de['departments_read']} departments), "
                     f"updated {de['updated']:,}, writes made {de['writes']:,}"))
    lines.append(table(rows, ("phase", "wall s", "CPU s", "records/s", "HTTP calls", "calls/record", "in flight",
                              "")))
    t = init["traffic"]
    lines += [
        "",
        f"HTTP calls, initial load: engine counted {init['http_calls']:,}; the sandbox logged {t['rippling']:,} "
        f"Rippling + {t['visma']:,} Visma = {t['rippling'] + t['visma']:,} ({t['errors']} answered >= 400); "
        f"at most {init['in_flight']} request(s) in flight at once.",
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
    floor = matched or base
    if floor:
        lines.append(f"Engine vs the bare loop with {floor['in_flight']} request(s) in flight: "
                     f"{init['records_per_s']:.0f} vs {floor['records_per_s']:.0f} records/s "
                     f"(ratio {init['records_per_s'] / floor['records_per_s']:.2f}); CPU "
                     f"{1000 * init['cpu_seconds'] / n:.1f} (of it the run thread "
                     f"{1000 * init['run_thread_cpu_seconds'] / n:.1f}: planning, settling, SQL; the rest its HTTP "
                     f"threads) vs {1000 * floor['cpu_seconds'] / n:.1f} ms per employee; "
                     f"the sandbox process used {init['sandbox_cpu_seconds']:.1f} s of CPU during the engine's load.")
    if figures.get("pairs"):
        p = figures["pairs"]
        shown = ", ".join(f"{e:.0f}/{m:.0f} = {r:.2f}" for e, m, r in
                          zip(p["engine_records_per_s"], p["matched_records_per_s"], p["ratios"]))
        lines.append(f"No latency, {len(p['ratios'])} pairs (engine initial load, then the bare loop with as many "
                     f"in flight, each pair on a new integration): engine/loop records/s {shown}; "
                     f"median ratio {p['median']:.2f}.")
    if "unchanged" in figures:
        lines.append(f"Unchanged re-sync: {figures['unchanged']['writes']} POST/PUT to /visma/ in the sandbox log "
                     "(asserted 0).")
    if "delta" in figures:
        de = figures["delta"]
        lines.append(f"Delta: {de['traffic']['worker_pages']} worker page(s), {de['traffic']['visma_gets']} Visma GETs "
                     f"(ETag for If-Match) and {de['writes']} PUTs for {de['updated']} updates.")
    if "latency" in figures:
        la = figures["latency"]
        e, seq, mat = la["engine"], la["sequential"], la["matched"]
        lines.append(f"With {la['latency_ms']:g} ms per vendor call, {la['workers']:,} workers: engine "
                     f"{e['records_per_s']:.1f} records/s ({e['in_flight']} in flight), bare loop "
                     f"{mat['records_per_s']:.1f} with {mat['in_flight']} in flight (ratio {la['ratio']:.2f}), "
                     f"{seq['records_per_s']:.1f} sequential (engine ÷ sequential {la['vs_sequential']:.2f}).")
    hook = figures.get("webhook", {})
    if hook.get("p50_ms") is not None:
        lines.append(f"Webhook → Visma write: p50 {hook['p50_ms']:.0f} ms, p95 {hook['p95_ms']:.0f} ms over "
                     f"{hook['samples']} events ({hook['note']}).")
    else:
        lines.append(f"Webhook → Visma write: p50 n/a, p95 n/a ({hook.get('note', 'not measured')}).")
    lines.append(f"Memory of the engine process: RSS {init['rss_before_mb']:.0f} MB before the initial load, peak "
                 f"{init['peak_rss_mb']:.0f} MB after it (ru_maxrss).")
    lines.append(ratios_line(figures))
    return "\n".join(lines)


def compare_report(results: dict[int, dict]) -> str:
    sizes = sorted(results)
    initial = {s: results[s]["initial"] for s in sizes}
    rows = [
        ("initial load, s", *(f"{initial[s]['seconds']:.1f}" for s in sizes)),
        ("initial load, records/s", *(f"{initial[s]['records_per_s']:.0f}" for s in sizes)),
        ("engine RSS before the load, MB", *(f"{initial[s]['rss_before_mb']:.0f}" for s in sizes)),
        ("engine peak RSS after it, MB", *(f"{initial[s]['peak_rss_mb']:.0f}" for s in sizes)),
    ]
    lines = [table(rows, ("one process per size", *(f"{s:,} workers" for s in sizes)))]
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        lines.append(f"peak RSS of the engine process: {large:,} ÷ {small:,} = "
                     f"{initial[large]['peak_rss_mb'] / initial[small]['peak_rss_mb']:.2f}")
    return "\n".join(lines)


# --- entry points ------------------------------------------------------------------------------------------
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
            in_flight = figures["initial"]["in_flight"]
            figures["baseline_matched"] = (baseline(bench, in_flight=in_flight) if in_flight > 1
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
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="also load --latency-workers workers with this delay on every vendor call")
    parser.add_argument("--latency-workers", type=int, default=500)
    parser.add_argument("--pairs", type=int, default=1,
                        help="no-latency ratio as the median of this many (engine, matched loop) pairs run back to "
                             "back, each on a new integration (for a machine whose load changes)")
    parser.add_argument("--profile", action="store_true", help="only the initial load, under cProfile")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON (with --compare: per size)")
    args = parser.parse_args(argv)
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
