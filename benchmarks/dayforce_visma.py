"""Dayforce → Visma.net against the local sandboxes, under Dayforce's real rate limits.

    python benchmarks/dayforce_visma.py --employees 150

Unlike the Rippling benchmark, the Dayforce sandbox keeps its limits on (employee details: 10 a second
and 100 a minute per namespace) and the engine runs with the client's declared `rate_limits`, so the
figures say what a first load costs at Dayforce: records per second, the 429s met (should be none:
the shared limiter keeps every call under the quota), and HTTP calls per employee against the
minimum (one details GET at Dayforce, one POST at Visma). Then a delta with 5% of employees changed.
Then the pay runs: the seeded pay groups' pay summaries posted as one journal transaction each, with
pay-summary lines per second and HTTP calls against the minimum (the pay-summary pages plus one POST per
journal; the pre-flight's reads of Visma's accounts, segments and periods are the overhead).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, machine, table, workdir  # noqa: E402

MINIMUM_CALLS_PER_EMPLOYEE = 2  # GET Employees/{x} at Dayforce, POST (or PUT) v1/employee at Visma
DEPARTMENTS = {"ENG": "IT", "SAL": "SALES", "FIN": "FIN", "OPS": "OPS"}
TOUCHED_SHARE = 0.05


def integration_setup(sandbox):
    from connections.models import Tenant
    from connections.services import connection_create, connection_test
    from demo.setup import sandbox_connection_fields
    from syncs.flows.dayforce_visma import COST_CENTER_MAP, DEPARTMENT_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    tenant = Tenant.objects.create(name="Benchmark", slug="benchmark")
    source = connection_create(tenant=tenant, name="Dayforce (sandbox)",
                               **sandbox_connection_fields("dayforce", sandbox.url))
    connection_test(connection=source)  # discovery, kept on the connection
    source.refresh_from_db()
    destination = connection_create(tenant=tenant, name="Visma.net (sandbox)",
                                    **sandbox_connection_fields("visma", sandbox.url))
    integration = integration_create(tenant=tenant, name="Dayforce → Visma", flow_kind="dayforce_visma",
                                     source=source, destination=destination)
    org_units = sorted(sandbox.app["dayforce"].company.org_units)
    ValueMapping.objects.bulk_create(
        [ValueMapping(tenant=tenant, integration=integration, map_name=DEPARTMENT_MAP, source_value=source_value,
                      target_value=target) for source_value, target in DEPARTMENTS.items()]
        + [ValueMapping(tenant=tenant, integration=integration, map_name=COST_CENTER_MAP, source_value=xref,
                        target_value=str(6000 + n)) for n, xref in enumerate(org_units)])
    return integration


PAY_OPTIONS = {"pay_groups": ["NO-MONTHLY", "NO-BIWEEKLY"], "pay_clearing_account": "1930",
               "pay_dates_from": "2026-09-01"}


def journal_mappings(integration) -> None:
    from syncs.flows.dayforce_visma.journal import DEPARTMENT_SEGMENT_MAP, PAY_CATEGORY_MAP, PAY_CODE_MAP
    from syncs.models import ValueMapping

    maps = {DEPARTMENT_SEGMENT_MAP: {"ENG": "40", "SAL": "20", "FIN": "10", "OPS": "30"},
            PAY_CODE_MAP: {"REG": "7010", "OT150": "7010", "SAL": "7010"},
            PAY_CATEGORY_MAP: {"Retro": "7010", "Bonus": "7010"}}
    ValueMapping.objects.bulk_create([
        ValueMapping(tenant=integration.tenant, integration=integration, map_name=name, source_value=key,
                     target_value=value) for name, values in maps.items() for key, value in values.items()])


def employees_seed(dayforce, count: int) -> None:
    """The seeded twelve plus hires up to `count`, spread over the org units and both pay groups."""
    units = [("OSL-ENG", "ENG", "DEV"), ("OSL-SAL", "SAL", "REP"), ("BGO-FIN", "FIN", "ACC"), ("SVG-OPS", "OPS", "TECH")]
    # Hired an hour ago, so the delta's overlap (5 minutes before the first run) does not find them again.
    dayforce.clock.advance(-3600)
    for n in range(max(0, count - len(dayforce.company.employees))):
        unit, department, job = units[n % len(units)]
        dayforce.change("hire", first=f"Bench{n}", last=f"Employee{n}", org_unit=unit, department=department,
                        job=job, pay_group="NO-MONTHLY", pay=600_000 + n)
    for xref, employee in dayforce.company.employees.items():  # a business e-mail, as Visma requires one
        if not employee["Contacts"]:
            employee["Contacts"].append({"ContactInformationType": {"XRefCode": "BusinessEmail"},
                                         "ElectronicAddress": f"employee{xref}@northwind.example",
                                         "EffectiveStart": employee["master"]["HireDate"]})
    dayforce.clock.advance(3600)


def timed_run(integration, app):
    from syncs.engine import sync_run_create, sync_run_execute

    app.log.clear()
    started = time.perf_counter()
    run = sync_run_execute(run=sync_run_create(integration=integration))
    seconds = time.perf_counter() - started
    dayforce, visma = app.log.filter(vendor="dayforce"), app.log.filter(vendor="visma")
    return run, seconds, dayforce, visma


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=150)
    args = parser.parse_args()
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        try:
            from sandbox.server import start_in_thread

            sandbox = start_in_thread()
            app = sandbox.app
            app["visma"].limiter.limit = None  # Visma's quota is not what is measured here
            app["visma"].seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0,
                              purchase_orders=0, payments=0, journal_transactions=0)
            employees_seed(app["dayforce"], args.employees)
            integration = integration_setup(sandbox)
            rows = []
            run, seconds, dayforce, visma = timed_run(integration, app)
            rows.append(figures("initial load", run, seconds, dayforce, visma, run.created - len(
                app["dayforce"].company.org_units)))
            touched = list(app["dayforce"].company.employees)[:max(1, int(args.employees * TOUCHED_SHARE))]
            for xref in touched:
                app["dayforce"].change("edit", xref, LastName=f"Changed{xref}")
            run, seconds, dayforce, visma = timed_run(integration, app)
            rows.append(figures("delta", run, seconds, dayforce, visma, run.updated))
            journal_mappings(integration)
            integration.options, integration.streams = {**integration.options, **PAY_OPTIONS}, ["pay_runs"]
            integration.save()
            run, seconds, dayforce, visma = timed_run(integration, app)
            lines = sum(len(pay_run.lines) for pay_run in app["dayforce"].company.pay_runs)  # all seeded runs are read
            journal = journal_figures(run, seconds, dayforce, visma, lines)
            print(f"Dayforce → Visma.net, {args.employees} employees, Dayforce limits on (10/s, 100/min on details)")
            print(machine())
            print(table(rows, ("phase", "status", "employees written", "seconds", "employees/s", "Dayforce calls",
                               "429s", "Visma calls", "calls per employee", "÷ minimum")))
            print(table([journal], ("phase", "status", "journals posted", "pay-summary lines", "seconds", "lines/s",
                                    "Dayforce calls", "Visma calls", "calls per journal", "÷ minimum")))
            sandbox.stop()
        finally:
            teardown()


def journal_figures(run, seconds, dayforce, visma, lines: int) -> tuple:
    pages = [e for e in dayforce if "EmployeePaySummaries" in e.path]
    journals = sum(1 for e in visma if e.method == "POST" and "journaltransaction" in e.path)
    minimum = len(pages) + journals  # every page read once, every journal posted once
    calls = len(dayforce) + len(visma)
    return ("pay runs", run.status, journals, lines, f"{seconds:.1f}", f"{lines / seconds:.1f}", len(dayforce),
            len(visma), f"{calls / journals:.2f}" if journals else "nan", f"{calls / minimum:.2f}" if minimum else "nan")


def figures(phase, run, seconds, dayforce, visma, written) -> tuple:
    per_employee = (len(dayforce) + len(visma)) / written if written else float("nan")
    return (phase, run.status, written, f"{seconds:.1f}", f"{written / seconds:.1f}", len(dayforce),
            sum(1 for e in dayforce if e.status == 429), len(visma), f"{per_employee:.2f}",
            f"{per_employee / MINIMUM_CALLS_PER_EMPLOYEE:.2f}")


if __name__ == "__main__":
    main()
