"""The demo's Paychex story: Paychex → Visma set up as the wizard would, then one change at Paychex reaching
Visma by notification (Paychex notifies our intake, the worker re-reads the worker and writes Visma).

The sandbox runs in its own process, so it is told to change the worker through its control route (not a
Paychex API). Registering the hook is the product's own path: `connection_webhooks_register`.
"""
from __future__ import annotations

import time

from django.test import override_settings

from connections.services import connection_webhooks_register
from connections.vendors import get_vendor
from demo.webhooks import sandbox_control, webhook_run_wait
from syncs.flows.paychex_visma import LOCATION_MAP, ORGANIZATION_MAP
from syncs.models import IdMap, InboundEvent, ValueMapping
from syncs.services import integration_create

# The demo company's organizations → Visma departments ("Operations" needs none: Visma has a department of
# that name, matched case- and spacing-insensitively).
ORGANIZATIONS = {"850001539951646": "HR", "850002407928077": "SALES", "850002407928079": "IT",
                 "850002407928081": "ADM", "850002407928090": "FIN"}
OPERATIONS = "850002407928095"
# Its locations → values of Visma's LOCATION dimension (the demo turns locations on).
LOCATIONS = {"970000082973090": "HQ", "970000106981852": "OSLO", "970001451713467": "REMOTE"}


def demo_paychex_setup(*, tenant, connections: dict):
    integration = integration_create(tenant=tenant, name="Paychex → Visma (payroll HR)", flow_kind="paychex_visma",
                                     source=connections["paychex"], destination=connections["visma"],
                                     every_minutes=60, enabled=True, options={"location_dimension": True})
    for map_name, values in ((ORGANIZATION_MAP, ORGANIZATIONS), (LOCATION_MAP, LOCATIONS)):
        ValueMapping.objects.bulk_create(
            ValueMapping(tenant=tenant, integration=integration, map_name=map_name, source_value=source,
                         target_value=target) for source, target in values.items())
    return integration


def demo_paychex_notification(*, integration, sandbox_url: str, web: str, timeout: float = 120) -> dict:
    """Register our intake at Paychex, move one worker to Operations there, wait for the notification's run.

    Returns {"run", "event", "department" (what Visma holds now), "seconds"}."""
    with override_settings(SITE_URL=web):  # the URL Paychex is told to call: this demo's web server
        connection_webhooks_register(connection=integration.source)
    worker_id = sandbox_control(sandbox_url, "paychex", "worker_ids")[0]
    started = time.monotonic()
    sandbox_control(sandbox_url, "paychex", "org_move", {"worker_id": worker_id, "organization_id": OPERATIONS})
    run = webhook_run_wait(integration, started=started, timeout=timeout)
    seconds = time.monotonic() - started
    event = InboundEvent.objects.filter(connection=integration.source).order_by("-pk").first()
    target = IdMap.objects.filter(integration=integration, stream="employees", source_id=worker_id).first()
    department = ""
    if target is not None:
        employee, _ = get_vendor("visma").client_for(integration.destination).get_employee(target.target_id)
        department = employee.get("department") or ""
    return {"run": run, "event": event, "department": department, "seconds": seconds}
