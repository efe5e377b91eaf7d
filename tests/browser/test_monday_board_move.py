"""Moving supplier invoices to another monday.com board on the integration's settings page, in real Chromium on a
phone (390 px): the board dropdowns are labelled, nothing on the page fails axe-core's serious checks or scrolls
sideways, and saving says what the move means."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.admin.test_monday_board_move import approvals, live, monday  # noqa: F401  (fixtures)
from tests.browser.a11y import axe_violations, overflows, too_wide

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_board_is_moved_by_label_on_a_phone(chromium_browser, live_server, owner, live,  # noqa: F811
                                              approvals, screenshot):  # noqa: F811
    from tests.browser.support import signed_in

    context, page = signed_in(chromium_browser, live_server, width=390, height=844)
    page.goto(reverse("customer_admin:syncs_integration_change", args=[live.pk]), wait_until="networkidle")

    page.get_by_label("monday.com board for supplier invoices").select_option(
        label="AP approvals — workspace Finance")
    screenshot(page, "admin-monday-board-move-phone")
    problems, wide = axe_violations(page), (too_wide(page) if overflows(page) else [])
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/syncs/integration/$"))
    said = page.locator(".messagelist").inner_text()
    context.close()

    assert problems == [], problems
    assert not wide, wide
    assert "now go to board “AP approvals”; the next run fills it; board “Visma documents” is left as it is." in said
