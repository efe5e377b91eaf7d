"""The figures as text: the phase table, the calls and statements, the ratios line, sizes side by side."""
from __future__ import annotations

import math

from benchmarks.harness import table
from benchmarks.rippling.bench import RIPPLING_PAGE_CAP


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
        rows.append(phase_row(f"bare loop, {matched['writes_in_flight']} POSTs in flight", matched, n,
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
        f"at most {init['in_flight']} request(s) in flight at once, {init['writes_in_flight']} of them to Visma.",
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
        lines.append(f"Engine vs the bare loop with {floor['writes_in_flight']} POST(s) in flight: "
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
                     f"POSTs in flight, each pair on a new integration): engine/loop records/s {shown}; "
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
                     f"{e['records_per_s']:.1f} records/s ({e['in_flight']} in flight, {e['writes_in_flight']} to "
                     f"Visma), bare loop {mat['records_per_s']:.1f} with {mat['writes_in_flight']} POSTs in flight "
                     f"(ratio {la['ratio']:.2f}), "
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
        lines.append(f"memory: peak RSS of the engine process {large:,} ÷ {small:,} = "
                     f"{initial[large]['peak_rss_mb'] / initial[small]['peak_rss_mb']:.2f}")
    return "\n".join(lines)
