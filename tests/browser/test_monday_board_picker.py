"""The monday.com board picker in real Chromium on a phone (390 px): every dropdown is labelled and nothing of the
step fails axe-core's serious checks or scrolls sideways; a board picked by its label (a long name included) and a
new one for purchase orders lead to a mapping step offering the picked board's own columns."""
from __future__ import annotations

import re

import pytest

from tests.browser.a11y import axe_violations, overflows
from tests.browser.support import signed_in
from tests.wizard.conftest import Wizard

pytestmark = pytest.mark.django_db(transaction=True)


def test_boards_are_picked_by_label_on_a_phone_and_the_mapping_step_shows_their_columns(
        chromium_browser, live_server, client, owner, tenant_a, sandbox, screenshot):
    sandbox.app["visma"].seed(employees=0, customers=2, suppliers=2, supplier_invoices=2, customer_invoices=1,
                              purchase_orders=1, payments=0, journal_transactions=0)
    monday = sandbox.app["monday"]
    theirs = monday.data.add_board("Accounts payable approvals for the Oslo, Bergen and Trondheim offices", "",
                                   [("text9", "Supplier ref", "text", {})], workspace_id="4100002")
    client.force_login(owner)
    draft = Wizard(client, sandbox, tenant_a)
    draft.start(name="AP board", flow_kind="visma_monday")
    draft.connect("source", "visma", "Visma")
    draft.connect("destination", "monday", "monday")

    context, page = signed_in(chromium_browser, live_server, width=390, height=844)
    page.goto(draft.url("streams"))

    page.get_by_label("monday.com board for supplier invoices").select_option(theirs["id"])
    page.get_by_label("monday.com board for purchase orders").select_option(
        label="Create a new board with the right columns")
    screenshot(page, "wizard-monday-boards-phone")
    problems, wide = axe_violations(page), overflows(page)
    page.click("#wizard-next")
    page.wait_for_url(re.compile(r".*/mappings/$"))
    targets = page.locator("datalist#wizard-targets-supplier_invoices option").evaluate_all(
        "options => options.map(o => o.value)")
    orders = page.locator("datalist#wizard-targets-purchase_orders option").evaluate_all(
        "options => options.map(o => o.value)")
    context.close()

    assert problems == [], problems
    assert not wide, "the streams step scrolls sideways at 390 px"
    assert "text9" in targets and "amount" in targets  # the picked board's own column, and ours to be added
    assert "text9" not in orders
