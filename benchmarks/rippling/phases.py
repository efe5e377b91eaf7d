"""The benchmark's phases: initial load, unchanged re-sync, delta, back-to-back pairs, latency, webhook,
and the cProfile of an initial load."""
from __future__ import annotations

import time

from benchmarks.harness import REPO, peak_rss_mb, rss_mb, table
from benchmarks.rippling.bench import (TOUCHED_SHARE, Bench, bench_setup, by_stream, engine_run,
                                       minimum_calls, sandbox_traffic)
from benchmarks.rippling.loop import baseline


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
            "in_flight": traffic["in_flight_peak"], "writes_in_flight": traffic["visma_in_flight_peak"],
            "minimum_calls": minimum_calls(bench.workers, bench.departments),
            "rss_before_mb": before["rss_mb"], "peak_rss_before_mb": before["peak_rss_mb"],
            "peak_rss_mb": peak_after}


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
        matched = baseline(pair, in_flight=engine["writes_in_flight"])
        results.append((engine, matched))
    found = sorted(e["records_per_s"] / m["records_per_s"] for e, m in results)
    return {"ratios": [e["records_per_s"] / m["records_per_s"] for e, m in results],
            "engine_records_per_s": [e["records_per_s"] for e, _ in results],
            "matched_records_per_s": [m["records_per_s"] for _, m in results],
            "writes_in_flight": [e["writes_in_flight"] for e, _ in results], "median": found[len(found) // 2]
            if len(found) % 2 else (found[len(found) // 2 - 1] + found[len(found) // 2]) / 2}


def with_latency(bench: Bench, *, latency_ms: float, workers: int) -> dict:
    """An initial load and both bare loops again, every vendor call delayed by `latency_ms` (tokens are not)."""
    sandbox = bench.sandbox
    sandbox.post("/_sandbox/faults", {"*": {"latency_ms": latency_ms}})
    slow = bench_setup(sandbox, workers=workers, departments=bench.departments, slug="benchmark-latency")
    try:
        engine = initial_load(slow)
        sequential = baseline(slow, in_flight=1)
        writes = engine["writes_in_flight"]
        matched = baseline(slow, in_flight=writes) if writes > 1 else sequential
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
