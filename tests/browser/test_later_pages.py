"""Pages added after the main ones follow the same rules (issue #16): the Dayforce journal approval, the monday.com
column mapping (the wizard's mapping step for a board) and the Power BI page with its schema and batches have no
serious axe-core violation in light or dark mode, and nothing on them scrolls sideways on a 390 px phone."""
from __future__ import annotations

import pytest
from django.urls import reverse

from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import WriteIntent
from syncs.services import integration_create
from tests.admin.conftest import admin_user  # noqa: F401  (fixture: an admin, not the owner who configured it)
from tests.admin.test_journal_approvals import MONTHLY_NOV, approvals  # noqa: F401  (fixture)
from tests.browser.a11y import axe_violations, overflows, too_wide
from tests.browser.support import signed_in
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401  (autouse)
from tests.support.dayforce import dayforce  # noqa: F401  (fixture)
from tests.wizard.conftest import monday_draft, wizard  # noqa: F401  (fixtures)
from tests.wizard.test_visma_monday_wizard import monday_wizard  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def problems_on(browser, live_server, username: str, urls: dict[str, str], ready: dict[str, str],
                screenshot=None) -> dict[str, list[str]]:
    """axe at 1280 px in light and dark mode, and sideways scrolling at 390 px, for each page."""
    found: dict[str, list[str]] = {}
    for scheme, width in (("light", 1280), ("dark", 1280), ("light", 390)):
        context, page = signed_in(browser, live_server, width=width, username=username, color_scheme=scheme)
        for name, url in urls.items():
            page.goto(url, wait_until="networkidle")
            page.wait_for_selector(ready[name])
            if width == 390:
                if overflows(page):
                    found[f"{name} at 390 px"] = too_wide(page)
            else:
                found[f"{name} ({scheme})"] = axe_violations(page)
            if screenshot is not None and scheme == "light" and width == 1280:
                screenshot(page, name)
        context.close()
    return {name: lines for name, lines in found.items() if lines}


def test_the_dayforce_journal_approval_page(chromium_browser, live_server, admin_user, approvals,  # noqa: F811
                                            screenshot):
    url = reverse("customer_admin:syncs_journalapproval_change", args=[approvals[MONTHLY_NOV].pk])
    found = problems_on(chromium_browser, live_server, admin_user.username, {"journal approval": url},
                        {"journal approval": "[data-test=approve-journal]"}, screenshot)
    assert not found, found


def test_the_monday_column_mapping_step(chromium_browser, live_server, owner, monday_wizard,  # noqa: F811
                                        screenshot):
    found = problems_on(chromium_browser, live_server, owner.username,
                        {"monday column mapping": monday_wizard.url("mappings")},
                        {"monday column mapping": "#wizard-next"}, screenshot)
    assert not found, found


def test_the_power_bi_page_schema_and_batch(chromium_browser, live_server, owner, tenant_a, make_sandbox_connection,
                                            sandbox, screenshot):
    integration = integration_create(tenant=tenant_a, name="Finance → BI", flow_kind="visma_powerbi",
                                     streams=["SupplierInvoices"],
                                     source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                                     destination=make_sandbox_connection("powerbi", tenant=tenant_a, name="Power BI"))
    sync_run_execute(run=sync_run_create(integration=integration))
    batch = WriteIntent.objects.filter(integration=integration).exclude(batch="").values_list("batch", flat=True)[0]
    urls = {"power bi schema": reverse("customer_admin:syncs_integration_powerbi", args=[integration.pk]),
            "power bi batch": reverse("customer_admin:syncs_integration_powerbi_batch", args=[integration.pk, batch])}
    found = problems_on(chromium_browser, live_server, owner.username, urls,
                        {"power bi schema": "[data-test=schema-ok]", "power bi batch": "[data-test=batch-hash]"},
                        screenshot)
    assert not found, found
