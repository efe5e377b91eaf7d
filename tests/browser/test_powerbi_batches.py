"""The Power BI page in Chromium: from the integration's dashboard to a pushed batch, replayed with one click,
and told the outcome; the report's sums do not move (asserted from the Power BI sandbox's rows)."""
import re

from syncs.engine import sync_run_create, sync_run_execute
from syncs.services import integration_create
from tests.browser.support import login
from tests.e2e.test_visma_powerbi import open_ap, visma_balance


def test_an_owner_replays_a_batch_from_the_dashboard(page, owner, tenant_a, make_sandbox_connection, sandbox,
                                                      screenshot):
    powerbi, visma = sandbox.app["powerbi"], sandbox.app["visma"]
    integration = integration_create(tenant=tenant_a, name="Finance → BI", flow_kind="visma_powerbi",
                                     streams=["SupplierInvoices"],
                                     source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                                     destination=make_sandbox_connection("powerbi", tenant=tenant_a, name="Power BI"))
    sync_run_execute(run=sync_run_create(integration=integration))
    login(page, username=owner.username, password="correct horse battery staple")

    page.goto(f"/admin/syncs/integration/{integration.pk}/dashboard/")
    page.click("[data-test=powerbi-page-link]")
    page.wait_for_selector("[data-test=schema-ok]")
    assert page.locator("[data-test=batch-row]").count() == 1
    screenshot(page, "powerbi batches")
    page.click("[data-test=batch-row] a")
    page.wait_for_selector("[data-test=batch-hash]")
    page.click("[data-test=batch-replay]")
    page.wait_for_url(re.compile(r".*/powerbi/batch/\w+/$"))

    message = page.locator(".messagelist li").first.inner_text()
    assert "30 row(s) posted again to SupplierInvoices" in message and "Power BI answered 200" in message
    assert page.locator("[data-test=batch-replay-row]").count() == 1
    screenshot(page, "powerbi batch replayed")
    assert len(powerbi.table_rows("Visma Finance", "SupplierInvoices")) == 60
    assert open_ap(powerbi) == visma_balance(visma, "supplier_invoices")
