"""The integration under test (a tenant, its two sandbox connections, every department mapped) and how one
engine run is measured: wall and CPU time, SQL statements, the sandbox's traffic."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from benchmarks.rippling.sandbox import SandboxProcess

RIPPLING_PAGE_CAP = 100  # Rippling's maximum page size (docs/vendors/rippling.md §3); the integration asks for it
DEPARTMENTS = 50
TOUCHED_SHARE = 0.01
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
VISMA_EMPTY = {"employees": 0, "customers": 0, "suppliers": 0, "supplier_invoices": 0, "customer_invoices": 0,
               "purchase_orders": 0, "payments": 0, "journal_transactions": 0}
EMPLOYEE_DEFAULTS = {"employeeClass": "EMPDEF", "branch": "1", "calendar": "MAIN"}  # the flow's defaults


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
    stats = sandbox.get("/_sandbox/stats")
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
        "in_flight_peak": stats["in_flight_peak"],
        "visma_in_flight_peak": stats["in_flight_peaks"].get("visma", 0),  # the writes (and the token)
    }


def minimum_calls(workers: int, departments: int) -> int:
    """One POST per employee + the worker pages + the department pages + one Visma token.

    Rippling's API key is static (no token call); its pages hold at most 100 records and the last one
    carries no next_link, so there are ceil(n/100) of them (at least one).
    """
    return workers + max(1, math.ceil(workers / RIPPLING_PAGE_CAP)) + max(1, math.ceil(departments / 100)) + 1
