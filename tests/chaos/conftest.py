"""A Rippling → Visma integration of ~1,000 workers on a real worker, set up once per module.

Each module runs one chaos scenario in a module-scoped fixture and several tests assert on its outcome, so the
expensive part (a worker killed and restarted while it syncs) runs once. The data is committed (the worker is
another process) and flushed when the module ends.
"""
import random

import pytest
from django.core.management import call_command

from sandbox.demo import sandbox_connection_fields
from tests.factories import ConnectionFactory, TenantFactory

WORKERS = 1000
PAGE_SIZE = 50


def integration_setup(sandbox, *, workers: int = WORKERS, page_size: int = PAGE_SIZE):
    """Rippling seeded with `workers` in 6 departments, an empty Visma company, every department mapped."""
    from mlconnector.celery import app as celery_app
    from syncs.flows.rippling_visma import DEPARTMENT_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    app = sandbox.app
    app.reset()
    for vendor in ("rippling", "visma"):
        app[vendor].limiter.limit = None  # quota windows are not what these tests are about
    app["rippling"].seed(workers=workers, departments=6, seed=9)
    app["visma"].seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0,
                      purchase_orders=0, payments=0, journal_transactions=0)
    celery_app.control.purge()  # nothing left on the default queue by another test may run here
    tenant = TenantFactory(name="Chaos", slug=f"chaos-{random.randrange(10**6)}")
    source = ConnectionFactory(tenant=tenant, name="Rippling", **sandbox_connection_fields("rippling", sandbox.url))
    destination = ConnectionFactory(tenant=tenant, name="Visma", **sandbox_connection_fields("visma", sandbox.url))
    integration = integration_create(tenant=tenant, name="Chaos", flow_kind="rippling_visma", source=source,
                                     destination=destination, options={"page_size": page_size})
    visma_departments = sorted(app["visma"].data.reference["departments"])
    ValueMapping.objects.bulk_create(
        ValueMapping(tenant=tenant, integration=integration, map_name=DEPARTMENT_MAP, source_value=department_id,
                     target_value=visma_departments[n % len(visma_departments)])
        for n, department_id in enumerate(sorted(app["rippling"].data["departments"].rows)))
    return integration


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction, flushed afterwards (as a transactional test is)."""
    with django_db_blocker.unblock():
        yield
        call_command("flush", interactive=False, verbosity=0)
