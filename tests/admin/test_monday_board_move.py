"""Moving a resource to another monday.com board after go-live, on the integration's settings page, over real
HTTP to both sandboxes: the boards are the wizard's dropdowns, a board the token cannot see is refused, a change
starts the resource over on the new board (the old one left as it is, exactly once even for a run loaded before
the change), and a change while a run holds the lease is refused (docs/flows/visma-monday.md, "Moving a
resource to another board")."""
import re

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from changelog.models import ChangeLogEntry
from sandbox.vendors.monday import MEMBER_USER_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.locks import lock_acquire
from syncs.models import Cursor, IdMap, WriteIntent
from syncs.services import integration_change, integration_create, integration_options_checked
from tests.support.monday_board import board_named, items_by_key

SIZES = {"supplier_invoices": 3, "purchase_orders": 2, "customer_invoices": 2}


@pytest.fixture
def monday(sandbox):
    from connections.vendors.monday.pacing import pacers_forget

    pacers_forget()  # no complexity budget learnt by an earlier test's client (connection ids repeat)
    return sandbox.app["monday"]


@pytest.fixture
def live(tenant_a, make_sandbox_connection, sandbox, monday):
    """A visma_monday integration after its first run: every resource on the boards setup made."""
    sandbox.app["visma"].seed(employees=0, customers=2, suppliers=2, payments=0, journal_transactions=0, **SIZES)
    integration = integration_create(tenant=tenant_a, name="AP on the board", flow_kind="visma_monday",
                                     source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma"),
                                     destination=make_sandbox_connection("monday", tenant=tenant_a, name="monday"),
                                     every_minutes=15)
    assert run(integration).status == "succeeded"
    integration.refresh_from_db()
    return integration


@pytest.fixture
def approvals(monday):
    return monday.data.add_board("AP approvals", "", [("text9", "Supplier ref", "text", {})], workspace_id="4100002")


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def change_url(integration):
    return reverse("customer_admin:syncs_integration_change", args=[integration.pk])


def dropdowns(page) -> dict[str, dict[str, str]]:
    """option name → {value: label} of the page's board dropdowns; the selected value under "selected"."""
    found = {}
    for name, body in re.findall(r'<select id="id_options_live_\w+" name="options_live_\w+" data-option="(\w+)">'
                                 r'(.*?)</select>', page.content.decode(), re.S):
        found[name] = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body))
        found[name]["selected"] = re.search(r'<option value="([^"]*)" selected>', body)[1]
    return found


def form_data(integration, page, **picks):
    """What the page posts as it stands, with the given boards picked."""
    data = {"name": integration.name, "source": integration.source_id, "destination": integration.destination_id,
            "every_minutes": integration.every_minutes, "cron": "", "options_key_0": "", "options_value_0": ""}
    data.update({f"options_live_{name}": choices["selected"] for name, choices in dropdowns(page).items()})
    data.update({f"options_live_{name}": value for name, value in picks.items()})
    return data


def documents_keys(monday, board) -> dict[str, list]:
    return {key: items for key, items in items_by_key(monday, board).items()
            if key.startswith("supplierInvoice:")}


def test_the_page_offers_the_wizards_boards_per_resource(client, owner, live, monday, approvals):
    client.force_login(owner)

    page = client.get(change_url(live))

    assert page.status_code == 200
    picks = dropdowns(page)
    assert set(picks) == {"board_id", "purchase_orders_board_id", "customer_invoices_board_id", "reference_board_id"}
    documents = board_named(monday, "Visma documents")
    assert picks["board_id"]["selected"] == documents["id"]  # where the items are now
    assert picks["board_id"][approvals["id"]] == "AP approvals — workspace Finance"
    assert picks["purchase_orders_board_id"]["selected"] == ""
    assert picks["purchase_orders_board_id"][""] == "The same board as supplier invoices"
    html = page.content.decode()
    assert '<label for="id_options_live_board_id">monday.com board for supplier invoices</label>' in html
    assert "&#x27;documents&#x27;" not in html and "board_columns" not in html  # the layouts are no rows of text


def test_the_page_opens_when_monday_cannot_be_read_and_says_so(client, owner, live, monday):
    client.force_login(owner)
    monday.faults.fail_next(50, status=403)

    page = client.get(change_url(live))

    assert page.status_code == 200
    said = re.search(r'data-test="options-live-error"[^>]*>([^<]*)<', page.content.decode())[1]
    assert said.startswith("monday.com could not be read now (")
    assert "the options it offers are shown as stored, as text" in said
    assert dropdowns(page) == {}


def test_a_board_the_token_cannot_see_is_refused_and_nothing_is_saved(client, owner, live, monday):
    private = monday.data.add_board("Payroll", board_kind="private", creator_id=MEMBER_USER_ID)
    client.force_login(owner)
    page = client.get(change_url(live))
    before = dict(live.options)

    response = client.post(change_url(live), form_data(live, page, board_id=private["id"]))

    assert response.status_code == 200
    assert f"monday.com returns no active board {private['id']} to this connection&#x27;s user" in \
        response.content.decode()
    assert "options" in response.context["adminform"].form.errors
    live.refresh_from_db()
    assert live.options == before
    assert IdMap.objects.filter(integration=live, stream="supplier_invoices").count() == SIZES["supplier_invoices"]


def test_a_moved_resource_is_filled_on_its_new_board_and_the_old_board_is_left_as_it_is(client, owner, live, monday,
                                                                                       approvals):
    client.force_login(owner)
    documents = board_named(monday, "Visma documents")
    old_items = {item_id: dict(item) for item_id, item in monday.data.items.items()
                 if item["board_id"] == documents["id"]}
    stale = sync_run_create(integration=live)  # loaded before the change: it must not write the old board

    response = client.post(change_url(live), form_data(live, client.get(change_url(live)),
                                                       board_id=approvals["id"]), follow=True)

    assert response.status_code == 200
    # Purchase orders and customer invoices follow the supplier invoices' board (their picks are empty).
    said = ("Supplier invoices, purchase orders and customer invoices now go to board “AP approvals”; the next run "
            "fills it; board “Visma documents” is left as it is.")
    assert said in [str(m) for m in response.context["messages"]]
    entry = ChangeLogEntry.objects.filter(object_type="integration", object_id=live.pk).first()
    assert entry.changes["data"] == ["", said]
    assert not IdMap.objects.filter(integration=live, stream="supplier_invoices").exists()
    assert not Cursor.objects.filter(integration=live, stream="supplier_invoices").exists()
    assert not IdMap.objects.filter(integration=live, stream="purchase_orders").exists()
    assert IdMap.objects.filter(integration=live, stream="gl_accounts").exists()

    assert sync_run_execute(run=stale).status == "succeeded"
    assert run(live).status == "succeeded"  # and again: nothing doubles

    moved = documents_keys(monday, approvals)
    assert len(moved) == SIZES["supplier_invoices"] and all(len(items) == 1 for items in moved.values())
    assert {item_id: dict(item) for item_id, item in monday.data.items.items()
            if item["board_id"] == documents["id"]} == old_items  # untouched, and nothing new
    live.refresh_from_db()
    assert live.options["boards"]["documents"]["id"] == approvals["id"]


def test_a_change_while_a_run_holds_the_lease_is_refused(client, owner, live, monday, approvals):
    client.force_login(owner)
    page = client.get(change_url(live))
    before = dict(live.options)
    held = lock_acquire(integration_id=live.pk)  # a run in flight
    try:
        response = client.post(change_url(live), form_data(live, page, board_id=approvals["id"]), follow=True)
    finally:
        held.release()

    assert "A sync is running; try again when it finishes." in [str(m) for m in response.context["messages"]]
    live.refresh_from_db()
    assert live.options == before
    assert IdMap.objects.filter(integration=live, stream="supplier_invoices").count() == SIZES["supplier_invoices"]


def test_saving_without_moving_a_board_clears_nothing(client, owner, live, monday):
    client.force_login(owner)
    page = client.get(change_url(live))
    data = {**form_data(live, page), "every_minutes": 30}

    response = client.post(change_url(live), data, follow=True)

    assert response.status_code == 200
    live.refresh_from_db()
    assert live.every_minutes == 30 and live.options["boards"]["documents"]["name"] == "Visma documents"
    assert IdMap.objects.filter(integration=live, stream="supplier_invoices").count() == SIZES["supplier_invoices"]
    assert not any("now go to board" in str(m) for m in response.context["messages"])


def test_an_outsider_cannot_move_a_board(client, outsider, live, approvals):
    client.force_login(outsider)

    assert client.get(change_url(live)).status_code in (302, 404)
    client.post(change_url(live), {"name": live.name, "options_live_board_id": approvals["id"]})

    live.refresh_from_db()
    assert live.options["boards"]["documents"]["name"] == "Visma documents"


def test_a_write_left_unsettled_for_the_old_board_is_settled_by_the_move(live, monday, approvals):
    documents = board_named(monday, "Visma documents")
    row = IdMap.objects.filter(integration=live, stream="supplier_invoices").first()
    sent = WriteIntent.objects.create(tenant=live.tenant, integration=live, stream="supplier_invoices",
                                      source_id=row.source_id, key="k" * 64, content_hash="h",
                                      payload={"board": documents["id"]}, target_id=row.target_id,
                                      state=WriteIntent.State.SENT)  # a crashed run's update, outcome unknown

    moves = integration_change(integration=live, options=integration_options_checked(
        integration=live, options={**live.options, "board_id": approvals["id"]}))

    assert [m.streams for m in moves] == [("supplier_invoices", "purchase_orders", "customer_invoices")]
    sent.refresh_from_db()
    assert (sent.state, sent.error_class) == (WriteIntent.State.FAILED, "DestinationMoved")
    assert run(live).status == "succeeded"
    assert len(items_by_key(monday, approvals)[f"supplierInvoice:{row.source_id}"]) == 1


def test_purchase_orders_moved_to_a_new_board_leave_the_others_where_they_are(live, monday):
    documents = board_named(monday, "Visma documents")
    orders_before = {k: v for k, v in items_by_key(monday, documents).items() if k.startswith("purchaseorder:")}
    assert len(orders_before) == SIZES["purchase_orders"]

    moves = integration_change(integration=live, options=integration_options_checked(
        integration=live, options={**live.options, "purchase_orders_board_id": "new"}))

    assert [(m.streams, m.sentence) for m in moves] == [(("purchase_orders",), (
        "Purchase orders now go to a new board “Visma purchase orders”; the next run fills it; board “Visma "
        "documents” is left as it is."))]
    assert IdMap.objects.filter(integration=live, stream="supplier_invoices").count() == SIZES["supplier_invoices"]
    assert run(live).status == "succeeded"
    orders = {k: v for k, v in items_by_key(monday, board_named(monday, "Visma purchase orders")).items() if k}
    assert len(orders) == SIZES["purchase_orders"] and all(len(items) == 1 for items in orders.values())
    assert {k: v for k, v in items_by_key(monday, documents).items() if k.startswith("purchaseorder:")} == \
        orders_before
    assert len(documents_keys(monday, documents)) == SIZES["supplier_invoices"]


def test_the_new_boards_approvals_are_sent_back_to_visma(client, owner, live, monday, approvals, live_server,
                                                         settings):
    """The wizard registered the approval webhook of the board it set up; the run that sets the new board up
    registers the new board's (once), and says so in the audit trail."""
    settings.SITE_URL = live_server.url  # monday's challenge reaches our intake
    client.force_login(owner)
    client.post(change_url(live), form_data(live, client.get(change_url(live)), board_id=approvals["id"]))

    assert run(live).status == "succeeded"
    assert run(live).status == "succeeded"  # set up already: nothing registered twice

    hooks = [w for w in monday.webhooks.webhooks.values() if w["board_id"] == str(approvals["id"])]
    live.refresh_from_db()
    approval_column = live.options["boards"]["documents"]["columns"]["approval"]["id"]
    assert [(w["event"], approval_column in str(w.get("config"))) for w in hooks] == [
        ("change_specific_column_value", True)]
    said = "Approval changes on board “AP approvals” are sent back to Visma."
    assert AuditRecord.objects.filter(integration=live, reason=said).count() == 1
