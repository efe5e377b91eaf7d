"""Paychex Flex → Visma.net notifications against the local sandboxes: webhook-to-Visma-write latency and burst rate.

    python benchmarks/paychex_visma.py                        # 100 workers, 30 latency samples, a 1,000 burst
    python benchmarks/paychex_visma.py --workers 300 --burst 2000 --json figures.json

Everything runs in this one interpreter over real HTTP on 127.0.0.1: both sandboxes, and the connector's own
web app (its `/hooks/<token>/` intake) on a threaded werkzeug server. Notifications are processed inline by the
intake (Celery eager), so one figure covers the whole path: the sandbox's delivery thread POSTs, the intake
verifies and stores, the worker is re-read at Paychex and the employee is written to Visma. The sandboxes'
rate limits are off. Paychex deliveries leave one at a time from the sandbox's single delivery thread.

Phases: initial poll (every worker created in an empty Visma company); latency (one organization move at a
time, timed from the change at Paychex to the employee's new department in Visma); burst (N notifications
queued at once, job changes spread over the workers, timed until every event is settled).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, figures_emit, machine, table, workdir  # noqa: E402

ORGANIZATIONS = ("850002407928079", "850002407928090")  # 1 Branch 1 - north ↔ 2 South Division
DEPARTMENTS = {"850002407928079": "IT", "850002407928090": "FIN"}
JOB_TITLES = ("87186920", "850038651", "850038652")  # Developer, Tester, Team Lead


def setup(sandbox, *, workers: int):
    from werkzeug.serving import make_server

    from connections.models import Tenant
    from connections.services import connection_create, connection_webhooks_register
    from demo.setup import sandbox_connection_fields
    from mlconnector.celery import app as celery
    from mlconnector.wsgi import application
    from sandbox.server import QuietHandler
    from sandbox.vendors.paychex import DEMO_COMPANY_ID
    from syncs.flows.paychex_visma import ORGANIZATION_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    from django.conf import settings

    for vendor in ("paychex", "visma"):
        sandbox.app[vendor].limiter.limit = None
    paychex, visma = sandbox.app["paychex"], sandbox.app["visma"]
    visma.seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0, purchase_orders=0,
               payments=0, journal_transactions=0)
    seeded = len(paychex.company_data[DEMO_COMPANY_ID]["workers"])
    for n in range(seeded, workers):  # no hook yet: nobody is notified of these hires
        paychex.hire(DEMO_COMPANY_ID, given_name=f"Given{n}", family_name=f"Family{n}", employee_id=str(1000 + n),
                     organization_id=ORGANIZATIONS[0])
    web = make_server("127.0.0.1", 0, application, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    settings.SITE_URL = f"http://127.0.0.1:{web.server_address[1]}"
    settings.INBOUND_EVENTS_PER_MINUTE = 1_000_000
    celery.conf.task_always_eager = True

    tenant = Tenant.objects.create(name="Benchmark", slug="benchmark")
    source = connection_create(tenant=tenant, name="Paychex", **sandbox_connection_fields("paychex", sandbox.url))
    destination = connection_create(tenant=tenant, name="Visma", **sandbox_connection_fields("visma", sandbox.url))
    integration = integration_create(tenant=tenant, name="Paychex → Visma", flow_kind="paychex_visma", source=source,
                                     destination=destination, enabled=True)
    for organization in paychex.company_data[DEMO_COMPANY_ID]["reference"]["organizations"]:
        ValueMapping.objects.create(tenant=tenant, integration=integration, map_name=ORGANIZATION_MAP,
                                    source_value=organization["organizationId"],
                                    target_value=DEPARTMENTS.get(organization["organizationId"], "ADM"))
    from syncs.engine import sync_run_create, sync_run_execute

    started = time.perf_counter()
    first = sync_run_execute(run=sync_run_create(integration=integration))
    initial = {"seconds": time.perf_counter() - started, "status": first.status,
               "employees": len(visma.data.tables["employees"].ordered()[0])}
    connection_webhooks_register(connection=source)
    return integration, web, initial


def department(visma, integration, worker_id) -> str | None:
    from syncs.models import IdMap

    target = IdMap.objects.filter(integration=integration, stream="employees", source_id=worker_id).first()
    record = visma.record("employee", target.target_id) if target else None
    return record and record["department"]


def wait(predicate, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def latency(sandbox, integration, *, samples: int) -> dict:
    from sandbox.vendors.paychex import DEMO_COMPANY_ID

    paychex, visma = sandbox.app["paychex"], sandbox.app["visma"]
    worker_ids = list(paychex.company_data[DEMO_COMPANY_ID]["workers"])
    seconds = []
    for n in range(samples):
        worker_id = worker_ids[n % len(worker_ids)]
        organization = ORGANIZATIONS[1] if paychex.workers[worker_id]["organization"]["organizationId"] == \
            ORGANIZATIONS[0] else ORGANIZATIONS[0]
        started = time.perf_counter()
        paychex.org_move(worker_id, organization_id=organization)
        if not wait(lambda: department(visma, integration, worker_id) == DEPARTMENTS[organization], 30):
            raise SystemExit(f"worker {worker_id} did not reach Visma within 30 s")
        seconds.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    return {"samples": samples, "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(0, int(round(0.95 * len(ordered))) - 1)] * 1000}


def burst(sandbox, integration, *, notifications: int) -> dict:
    from sandbox.vendors.paychex import DEMO_COMPANY_ID
    from syncs.models import InboundEvent

    paychex = sandbox.app["paychex"]
    settled = (InboundEvent.Status.PROCESSED, InboundEvent.Status.IGNORED, InboundEvent.Status.FAILED)
    before = InboundEvent.objects.filter(status__in=settled).count()
    worker_ids = list(paychex.company_data[DEMO_COMPANY_ID]["workers"])
    writes_before = len(sandbox.app.log.filter(vendor="visma", method="PUT"))
    started = time.perf_counter()
    for n in range(notifications):
        worker_id = worker_ids[n % len(worker_ids)]
        paychex.job_change(worker_id, job_title_id=JOB_TITLES[n % len(JOB_TITLES)])  # each one a real change
    if not wait(lambda: InboundEvent.objects.filter(status__in=settled).count() - before >= notifications, 600):
        raise SystemExit("the burst did not settle within 10 minutes")
    elapsed = time.perf_counter() - started
    failed = InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).count()
    return {"notifications": notifications, "seconds": elapsed, "per_second": notifications / elapsed,
            "failed": failed, "visma_puts": len(sandbox.app.log.filter(vendor="visma", method="PUT")) - writes_before}


def report(figures: dict) -> str:
    m, lat, b = figures["machine"], figures["latency"], figures["burst"]
    rows = [
        ("initial poll", f"{figures['initial']['employees']} employees in {figures['initial']['seconds']:.1f} s"),
        ("webhook → Visma write, p50", f"{lat['p50_ms']:.0f} ms"),
        ("webhook → Visma write, p95", f"{lat['p95_ms']:.0f} ms ({lat['samples']} samples)"),
        (f"burst of {b['notifications']:,} notifications", f"{b['seconds']:.1f} s, {b['per_second']:.1f}/s"),
        ("  failed events", str(b["failed"])),
        ("  Visma PUTs", str(b["visma_puts"])),
    ]
    return (f"{m['cpu']} ({m['cores']} cores), {m['python']}, {m['database']}\n"
            f"{figures['workers']} Paychex workers\n\n" + table(rows, ("Paychex → Visma", "figure")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=100)
    parser.add_argument("--samples", type=int, default=30, help="latency samples (one notification at a time)")
    parser.add_argument("--burst", type=int, default=1000, help="notifications queued at once")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        from sandbox.server import start_in_thread

        sandbox = start_in_thread()
        try:
            integration, web, initial = setup(sandbox, workers=args.workers)
            figures = {"workers": args.workers, "machine": machine(), "initial": initial,
                       "latency": latency(sandbox, integration, samples=args.samples),
                       "burst": burst(sandbox, integration, notifications=args.burst)}
            web.shutdown()
        finally:
            sandbox.stop()
            teardown()
    return figures_emit(report(figures), figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
