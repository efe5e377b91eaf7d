"""The demo tenant: one connection per vendor pointed at the local sandboxes, and the demo integrations.

This is the one place where the project's side (connections, syncs) meets the sandboxes (the outside
world): the sandbox itself imports nothing of the project.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from connections.models import Connection, Membership, Tenant
from connections.services import connection_create, connection_update
from connections.vendors import all_vendors, get_vendor
from demo.dayforce import dayforce_integration_setup
from demo.paychex import demo_paychex_setup
from sandbox.vendors import SANDBOXES
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import Integration, ValueMapping
from syncs.services import integration_create, integration_delete


def sandbox_class(kind: str):
    for cls in SANDBOXES:
        if cls.name == kind:
            return cls
    raise KeyError(f"no sandbox for vendor {kind!r}")


def sandbox_connection_fields(kind: str, sandbox_url: str) -> dict:
    """Keyword arguments for a Connection of `kind` that talks to the sandbox at `sandbox_url`."""
    vendor = get_vendor(kind)
    cls = sandbox_class(kind)
    return {
        "kind": kind,
        "base_url": vendor.sandbox_base_url(sandbox_url),
        "credentials": dict(cls.demo_credentials),
        "config": {**vendor.sandbox_config(sandbox_url), **cls.demo_config},
    }


DEMO_TENANT_SLUG = "demo"
DEMO_USERNAME = "demo"


def demo_tenant_setup(*, sandbox_url: str, password: str):
    """Create (or refresh) the demo tenant, its owner and one sandbox connection per vendor."""
    with transaction.atomic():
        tenant, _ = Tenant.objects.get_or_create(slug=DEMO_TENANT_SLUG, defaults={"name": "Demo Company AS"})
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME,
                                                         defaults={"email": "demo@example.com"})
        user.set_password(password)
        user.is_staff = user.is_superuser = True  # the demo user may also look at the operators' site
        user.save()
        Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.OWNER})
        connections = {}
        for vendor in all_vendors():
            fields = sandbox_connection_fields(vendor.kind, sandbox_url)
            name = f"{vendor.label} (sandbox)"
            existing = Connection.objects.filter(tenant=tenant, name=name).first()
            if existing:
                connections[vendor.kind] = connection_update(
                    connection=existing, base_url=fields["base_url"], credentials=fields["credentials"],
                    config=fields["config"])
            else:
                connections[vendor.kind] = connection_create(tenant=tenant, name=name, **fields)
    return tenant, user, connections


DEMO_VISMA_DEPARTMENTS = ["IT", "HR", "SALES", "OPS", "FIN", "ADM"]


def demo_integrations_setup(*, tenant, connections: dict):
    """(Re)create the demo integrations. The sandboxes start fresh each demo, so their sync state does too.

    Returns {flow kind: (integration, department left unmapped on purpose)}.
    """
    for integration in Integration.objects.filter(tenant=tenant):
        integration_delete(integration=integration)
    rippling = integration_create(tenant=tenant, name="Rippling → Visma (HR)", flow_kind="rippling_visma",
                                  source=connections["rippling"], destination=connections["visma"],
                                  every_minutes=15, enabled=True)
    # The wizard offers the source's real departments; the demo maps all but the last one, so the
    # summary can show a held employee being released once its mapping is created.
    departments = get_vendor("rippling").client_for(connections["rippling"]).list_departments()
    for department, target in zip(departments[:-1], DEMO_VISMA_DEPARTMENTS * 10):
        ValueMapping.objects.create(tenant=tenant, integration=rippling, map_name=DEPARTMENT_MAP,
                                    source_value=department["id"], target_value=target)
    finance = integration_create(tenant=tenant, name="Visma → Power BI (finance)", flow_kind="visma_powerbi",
                                 source=connections["visma"], destination=connections["powerbi"],
                                 every_minutes=15, enabled=True)
    payroll = dayforce_integration_setup(tenant=tenant, connections=connections)
    return {"rippling_visma": (rippling, departments[-1] if departments else None), "visma_powerbi": (finance, None),
            "paychex_visma": (demo_paychex_setup(tenant=tenant, connections=connections), None),
            "dayforce_visma": (payroll, None)}
