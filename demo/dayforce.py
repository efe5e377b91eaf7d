"""The demo's Dayforce → Visma integration: mapped as a person would in the wizard, run by the worker, and
what moved (employees, org units, one posted journal with its totals) for the summary."""
from __future__ import annotations

from decimal import Decimal

from syncs.flows.dayforce_visma import COST_CENTER_MAP, DEPARTMENT_MAP
from syncs.flows.dayforce_visma.journal import DEPARTMENT_SEGMENT_MAP, PAY_CATEGORY_MAP, PAY_CODE_MAP, totals
from syncs.models import ValueMapping, WriteIntent
from syncs.services import integration_create

# The seeded Dayforce company (sandbox/vendors/dayforce/seed.py) and where its values go in the demo Visma.
DEPARTMENTS = {"ENG": "IT", "SAL": "SALES", "FIN": "FIN", "OPS": "OPS"}
DEPARTMENT_SEGMENT = {"ENG": "40", "SAL": "20", "FIN": "10", "OPS": "30"}  # SUBACCOUNT segment 1
ORG_UNITS = ["CORP", "NORTH", "WEST", "OSL", "TRD", "BGO", "SVG", "OSL-ENG", "OSL-SAL", "TRD-ENG", "BGO-FIN",
             "BGO-OPS", "SVG-OPS"]
PAY_CODES = {"REG": "7010", "OT150": "7010", "SAL": "7010"}
PAY_CATEGORIES = {"Retro": "7010", "Bonus": "7010"}
OPTIONS = {"pay_groups": ["NO-MONTHLY", "NO-BIWEEKLY"], "pay_clearing_account": "1930",
           # The sandbox's pay runs are dated September to November 2026; read them all, whatever today is.
           "pay_dates_from": "2026-09-01"}


def dayforce_integration_setup(*, tenant, connections: dict):
    integration = integration_create(tenant=tenant, name="Dayforce → Visma (payroll)", flow_kind="dayforce_visma",
                                     source=connections["dayforce"], destination=connections["visma"],
                                     every_minutes=15, enabled=True, options=OPTIONS)
    maps = {DEPARTMENT_MAP: DEPARTMENTS, DEPARTMENT_SEGMENT_MAP: DEPARTMENT_SEGMENT, PAY_CODE_MAP: PAY_CODES,
            PAY_CATEGORY_MAP: PAY_CATEGORIES,
            COST_CENTER_MAP: {xref: str(5000 + n) for n, xref in enumerate(ORG_UNITS)}}
    ValueMapping.objects.bulk_create([
        ValueMapping(tenant=tenant, integration=integration, map_name=map_name, source_value=source, target_value=target)
        for map_name, values in maps.items() for source, target in values.items()])
    return integration


def dayforce_summary(integration) -> list[str]:
    """What moved, from the settled write intents: employees, org units, and the latest posted journal."""
    confirmed = WriteIntent.objects.filter(integration=integration, state=WriteIntent.State.CONFIRMED)
    lines = [f"      Visma employees written: {confirmed.filter(stream='employees').count()}, "
             f"cost-centre values (org units): {confirmed.filter(stream='org_units').count()}, "
             f"journal transactions: {confirmed.filter(stream='pay_runs').count()}"]
    journal = confirmed.filter(stream="pay_runs").order_by("-source_id").first()
    if journal is not None:
        found = totals(journal.payload)
        centres = ", ".join(f"{c} {v:,.2f}" for c, v in sorted(found.by_cost_center.items()) if v != Decimal("0"))
        lines.append(f"      journal {journal.target_id} for pay run {journal.source_id}: debit {found.debit:,.2f} = "
                     f"credit {found.credit:,.2f} NOK; per cost centre: {centres}")
    return lines
