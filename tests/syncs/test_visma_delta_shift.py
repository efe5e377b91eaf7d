"""A record edited while a delta is being paged must not make another record slip through."""
import pytest

from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Cursor, IdMap, ValueMapping
from syncs.services import integration_create
from tests.syncs import flow_under_test as flow
from tests.syncs.flow_under_test import CLASS_MAP, CustomersToSuppliers


@pytest.fixture
def integration(sandbox, tenant_a, make_sandbox_connection):
    sandbox.app["visma"].seed(customers=30, suppliers=0, employees=1, supplier_invoices=0, customer_invoices=0,
                              purchase_orders=0, payments=0, journal_transactions=0)
    integration = integration_create(tenant=tenant_a, name="Shift", flow_kind=flow.KIND,
                                     source=make_sandbox_connection("visma", tenant=tenant_a, name="S"),
                                     destination=make_sandbox_connection("visma", tenant=tenant_a, name="D"))
    for source, target in (("DOM", "DOM"), ("EXP", "FOR")):
        ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=CLASS_MAP,
                                    source_value=source, target_value=target)
    return integration


def test_an_edit_during_paging_keeps_the_window_open(integration, sandbox):
    visma = sandbox.app["visma"]
    first_customer = visma.data.tables["customers"].ordered()[0][0]["number"]
    edited = []
    original_write = CustomersToSuppliers.write

    def write_and_edit(self, mapped, target_id, record):
        if not edited and record["number"] != first_customer:
            edited.append(True)  # an ERP user edits a record we already read, mid-run
            sandbox.app.clock.advance(1)
            visma.modify("customer", first_customer, name="Edited Mid Run AS")
        return original_write(self, mapped, target_id, record)

    CustomersToSuppliers.write = write_and_edit
    try:
        run = sync_run_execute(run=sync_run_create(integration=integration))
    finally:
        CustomersToSuppliers.write = original_write

    cursor = Cursor.objects.get(integration=integration, stream="customers").value
    assert cursor["since"] is None  # the pages shifted: the next run re-reads the same window
    missed = 30 - IdMap.objects.filter(integration=integration).count()
    second = sync_run_execute(run=sync_run_create(integration=integration))
    assert IdMap.objects.filter(integration=integration).count() == 30  # nothing is lost for good
    assert second.created == missed and run.read + second.read >= 30
