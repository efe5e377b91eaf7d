"""Running the flow under test (flow_under_test.py: Visma customers → Visma suppliers) against the Visma sandbox:
its seeded company, tenant A's integration of it, and what a test reads back from the sandbox."""
import pytest

from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import ValueMapping
from syncs.services import integration_create
from tests.syncs import flow_under_test as flow
from tests.syncs.flow_under_test import CLASS_MAP, CustomersToSuppliers

CUSTOMERS = 23  # five per page: pages of 5, 5, 5, 5, 3


@pytest.fixture
def visma(sandbox):
    vendor = sandbox.app["visma"]
    vendor.seed(customers=CUSTOMERS, suppliers=0, employees=1, supplier_invoices=0, customer_invoices=0,
                purchase_orders=0, payments=0, journal_transactions=0)
    CustomersToSuppliers.crash_after_writes = None
    CustomersToSuppliers.on_build = None
    CustomersToSuppliers.writes = 0
    yield vendor
    CustomersToSuppliers.crash_after_writes = None
    CustomersToSuppliers.on_build = None


@pytest.fixture
def integration(visma, tenant_a, make_sandbox_connection):
    source = make_sandbox_connection("visma", tenant=tenant_a, name="Visma source")
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma destination")
    return integration_create(tenant=tenant_a, name="Customers to suppliers", flow_kind=flow.KIND, source=source,
                              destination=destination)


def map_classes(integration, *classes):
    targets = {"DOM": "DOM", "EXP": "FOR"}
    for source_class in classes:
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=CLASS_MAP,
                                    source_value=source_class, target_value=targets[source_class])


def run(integration, **kwargs):
    return sync_run_execute(run=sync_run_create(integration=integration), **kwargs)


def customers(visma):
    return list(visma.data.tables["customers"].ordered()[0])


def suppliers(visma):
    return list(visma.data.tables["suppliers"].ordered()[0])


def writes(sandbox, since=0):
    """Writes to the ERP API (token requests are POSTs too, but write nothing)."""
    return [e for e in sandbox.app.log.filter(vendor="visma", writes_only=True)
            if e.at >= since and "/connect/" not in e.path]


def by_class(visma, class_id):
    return [c for c in customers(visma) if (c.get("customerClass") or {}).get("id") == class_id]
