"""The wizard's monday.com board picker over real HTTP to the sandboxes: the account's real boards offered per
resource with their workspace (archived boards and other people's private boards left out, every page read), a
board picked for supplier invoices and a new one for purchase orders, a board the token cannot see refused on
save, and the mapping step showing the picked board's columns; turning it on makes the new board and sends each
resource to its own board (docs/flows/visma-monday.md, "Set-up")."""
import re

import pytest

from sandbox.vendors.monday import MEMBER_USER_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Integration
from tests.support.monday_board import board_named, items_by_key, operations


@pytest.fixture
def draft(monday_draft):
    return monday_draft


@pytest.fixture
def approvals(sandbox):
    """The customer's own board in their Finance workspace, with a column of their own."""
    return sandbox.app["monday"].data.add_board("AP approvals", "", [("text9", "Supplier ref", "text", {})],
                                                workspace_id="4100002")


def dropdowns(page) -> dict[str, dict[str, str]]:
    """option name → {value: label} of the streams step's board dropdowns, as the HTML has them."""
    html = page.content.decode()
    found = {}
    for name, body in re.findall(r'<select name="option\d+"[^>]*data-option="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        found[name] = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body))
    return found


def option_fields(page) -> dict[str, str]:
    """option name → the form field's name (option0 …) on the streams step."""
    return {field.field.widget.attrs["data-option"]: field.html_name for field in page.context["form"].option_fields()}


def save_streams(draft, page, picks: dict[str, str]):
    fields = option_fields(page)
    data = {"streams": ["supplier_invoices", "purchase_orders", "customer_invoices", "approval_statuses"]}
    data.update({fields[name]: value for name, value in picks.items()})
    return draft.client.post(draft.url("streams"), data)


def test_the_streams_step_offers_every_active_board_with_its_workspace_per_resource(draft, sandbox, approvals):
    monday = sandbox.app["monday"]
    for n in range(105):  # more than one page of boards (100 a page)
        monday.data.add_board(f"Project {n:03}")
    monday.data.add_board("Payroll", board_kind="private", creator_id=MEMBER_USER_ID)  # not shared with our user

    page = draft.client.get(draft.url("streams"))

    assert page.status_code == 200
    picks = dropdowns(page)
    assert set(picks) == {"board_id", "purchase_orders_board_id", "customer_invoices_board_id", "reference_board_id"}
    documents = picks["board_id"]
    assert documents[approvals["id"]] == "AP approvals — workspace Finance"
    assert documents["1800000001"] == "Employees — workspace Main workspace"
    assert "Project 104 — workspace Main workspace" in documents.values()  # the second page was read
    labels = " ".join(documents.values())
    assert "Hires 2023" not in labels and "Payroll" not in labels  # archived; someone else's private board
    assert list(documents.items())[0] == ("", "Create a new board with the right columns (“Visma documents”)")
    assert list(picks["purchase_orders_board_id"].items())[:2] == [
        ("", "The same board as supplier invoices"), ("new", "Create a new board with the right columns")]
    assert 'aria-label="monday.com board for purchase orders"' in page.content.decode()
    assert len(operations(monday, "BoardChoices")) == 2  # 100 + 9 boards: two pages, nothing else asked


def test_a_picked_board_is_checked_on_save_and_the_mapping_step_shows_its_columns(draft, sandbox, approvals):
    page = draft.client.get(draft.url("streams"))

    response = save_streams(draft, page, {"board_id": approvals["id"], "purchase_orders_board_id": "new"})

    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(name="AP board")
    assert integration.options["board_id"] == approvals["id"]
    assert integration.options["purchase_orders_board_id"] == "new"
    assert integration.options["customer_invoices_board_id"] == ""  # the supplier invoices' board
    mapping = draft.client.get(draft.url("mappings")).context["page"]
    targets = {s.stream: dict(s.target_fields) for s in mapping.streams}
    assert targets["supplier_invoices"]["text9"] == "Supplier ref (text)"  # the customer's own column
    assert targets["customer_invoices"]["text9"] == "Supplier ref (text)"
    assert "text9" not in targets["purchase_orders"] and targets["purchase_orders"]["amount"] == "Amount (numbers)"
    assert [e for e in operations(sandbox.app["monday"]) if e.body["query"].lstrip().startswith("mutation")] == []


def test_a_board_the_token_cannot_see_is_refused_when_the_step_is_saved(draft, sandbox):
    private = sandbox.app["monday"].data.add_board("Payroll", board_kind="private", creator_id=MEMBER_USER_ID)
    page = draft.client.get(draft.url("streams"))

    response = save_streams(draft, page, {"board_id": private["id"]})  # a stale page, or a hand-made POST

    assert response.status_code == 400
    said = response.content.decode()
    assert f"monday.com returns no active board {private['id']} to this connection&#x27;s user" in said
    assert "board_id" not in Integration.objects.get(name="AP board").options


@pytest.mark.django_db(transaction=True)
def test_turning_it_on_makes_the_new_board_and_each_resource_goes_to_its_board(draft, sandbox, approvals, settings,
                                                                            live_server, eager_tasks):
    settings.SITE_URL = live_server.url  # monday's challenge reaches our intake
    monday = sandbox.app["monday"]
    save_streams(draft, draft.client.get(draft.url("streams")),
                 {"board_id": approvals["id"], "purchase_orders_board_id": "new"})
    draft.mappings()
    draft.schedule(15)
    draft.preview(limit=2)

    draft.client.post(draft.url("enable"), follow=True)
    integration = Integration.objects.get(name="AP board")
    assert sync_run_execute(run=sync_run_create(integration=integration)).status == "succeeded"

    orders = board_named(monday, "Visma purchase orders")
    integration.refresh_from_db()
    assert integration.options["purchase_orders_board_id"] == orders["id"]  # made once: setup again finds it
    assert {k.partition(":")[0] for k in items_by_key(monday, orders)} == {"purchaseorder"}
    assert {k.partition(":")[0] for k in items_by_key(monday, approvals)} == {"supplierInvoice", "customerinvoice"}
    hooked = {w["board_id"] for w in monday.webhooks.webhooks.values()}
    assert hooked == {approvals["id"], orders["id"]}  # approvals flow back from both boards

    # A purchase order put on hold on its own board reaches Visma: that board's status webhook is ours too.
    order = next(o for o in sandbox.app["visma"].data.tables["purchase_orders"].ordered()[0] if not o.get("hold"))
    [item] = items_by_key(monday, orders)[f"purchaseorder:{order['orderType']}:{order['orderNbr']}"]
    monday.user_sets_status(item["id"], "approval", "On hold")
    assert monday.flush_webhooks(10)
    assert sandbox.app["visma"].record("purchaseorder", order["orderNbr"])["hold"] is True
