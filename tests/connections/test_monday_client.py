"""The monday.com client against the sandbox over real HTTP: the board the flow sets up, paging, the lookup by a
key column, batched changes, complexity pacing, errors inside a 200."""
import json
import threading

import pytest

from connections.vendors import get_vendor
from connections.vendors.errors import VendorError, VendorNotFound, VendorRejected
from connections.vendors.monday import documents
from connections.vendors.monday.pacing import ComplexityPacer

KEY = "visma_key"
COLUMNS = [
    {"id": KEY, "title": "Visma key", "type": "text"},
    {"id": "amount", "title": "Amount", "type": "numbers"},
    {"id": "due", "title": "Due date", "type": "date"},
    {"id": "approval", "title": "Approval", "type": "status",
     "defaults": {"labels": {"0": "Waiting", "1": "Approved", "2": "Rejected"}}},
    {"id": "link", "title": "In Visma", "type": "link"},
]


@pytest.fixture
def monday(sandbox):
    return sandbox.app["monday"]


@pytest.fixture
def client(make_sandbox_connection, sandbox):
    def sleep(seconds):
        # The sandbox clock stands in for time: a wait the client asks for passes at once.
        client.slept.append(seconds)
        sandbox.app.clock.advance(seconds)

    client = get_vendor("monday").client_for(make_sandbox_connection("monday"), sleep=sleep)
    client.slept = []
    return client


@pytest.fixture
def board(client):
    return client.board_create(name="Supplier invoices", columns=COLUMNS)


def invoice(n, **extra):
    return {KEY: f"SI-{n:04d}", "amount": str(100 + n), "due": {"date": "2026-12-31"},
            "link": {"url": f"https://integration.visma.net/invoice/{n}", "text": f"Invoice {n}"}, **extra}


def sent_documents(sandbox):
    return [entry.body["query"] for entry in sandbox.app.log.filter(vendor="monday")]


def values(item):
    return {value["id"]: value["text"] for value in item["column_values"]}


def test_it_sets_up_a_board_with_the_flow_s_columns(client, board, sandbox):
    [read] = client.boards_with_columns([board["id"]])

    assert read["name"] == "Supplier invoices" and read["groups"] == [{"id": "topics", "title": "Group Title"}]
    assert [(c["id"], c["type"]) for c in read["columns"]] == [("name", "name")] + [(c["id"], c["type"]) for c in COLUMNS]
    assert read["columns"][4]["settings"]["labels"] == {"0": "Waiting", "1": "Approved", "2": "Rejected"}
    assert board["columns"] == read["columns"]
    # Every document went from documents.py, with the values as variables only.
    assert set(sent_documents(sandbox)) <= set(documents.NAMED.values())
    assert all("Supplier invoices" not in query for query in sent_documents(sandbox))


def test_it_writes_column_values_of_every_type_and_reads_them_back(client, board):
    item = client.item_create(board["id"], name="Invoice 7", values=invoice(7, approval={"label": "Waiting"}))

    assert values(item) == {"name": "Invoice 7", KEY: "SI-0007", "amount": "107", "due": "2026-12-31",
                            "approval": "Waiting", "link": "Invoice 7 - https://integration.visma.net/invoice/7"}
    assert json.loads(next(v for v in item["column_values"] if v["id"] == "approval")["value"])["index"] == 0


def test_it_pages_through_a_board_until_the_cursor_is_null(client, board, sandbox):
    for n in range(7):
        client.item_create(board["id"], name=f"Invoice {n}", values=invoice(n))
    sandbox.app.log.clear()

    pages = list(client.items_pages(board["id"], limit=3))

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [item["name"] for page in pages for item in page] == [f"Invoice {n}" for n in range(7)]
    assert [e.body["query"] for e in sandbox.app.log.filter(vendor="monday")] == [
        documents.ITEMS_PAGE, documents.NEXT_ITEMS_PAGE, documents.NEXT_ITEMS_PAGE]


def test_it_finds_items_by_their_key_column(client, board):
    for n in range(5):
        client.item_create(board["id"], name=f"Invoice {n}", values=invoice(n))

    found = client.items_by_column(board["id"], KEY, ["SI-0003", "SI-0001", "SI-9999"])

    assert sorted(values(item)[KEY] for item in found) == ["SI-0001", "SI-0003"]
    assert client.items_by_column(board["id"], KEY, ["SI-9999"]) == []


def test_it_batches_item_changes_into_one_request_and_fails_only_the_bad_one(client, board, sandbox):
    items = [client.item_create(board["id"], name=f"Invoice {n}", values=invoice(n)) for n in range(4)]
    sandbox.app.log.clear()

    outcomes = client.items_update(board["id"], [
        (items[0]["id"], {"amount": "900"}), (items[1]["id"], {"approval": {"label": "Approved"}}),
        (items[2]["id"], {"approval": {"label": "Lost in the post"}}), (items[3]["id"], {"due": {"date": "2027-01-15"}}),
    ])

    [request] = sandbox.app.log.filter(vendor="monday")
    assert request.body["query"] == documents.items_update_batch(4)
    assert [(o.item_id, o.error is None) for o in outcomes] == [
        (items[0]["id"], True), (items[1]["id"], True), (items[2]["id"], False), (items[3]["id"], True)]
    assert isinstance(outcomes[2].error, VendorRejected) and "ColumnValueException" in str(outcomes[2].error)
    after = {item["id"]: values(item) for item in client.items_get([item["id"] for item in items])}
    assert (after[items[0]["id"]]["amount"], after[items[1]["id"]]["approval"], after[items[2]["id"]]["approval"],
            after[items[3]["id"]]["due"]) == ("900", "Approved", None, "2027-01-15")


def test_it_paces_by_the_complexity_budget_and_recovers_from_an_exhausted_one(client, board, monday, sandbox):
    monday.complexity.limit = 25_000  # an item create costs 10,000 points and its selection
    monday.complexity.window = 20  # short enough that the client waits in-process
    sandbox.app.clock.advance(60)  # the board's setup spent points of an earlier window
    sandbox.app.log.clear()

    created = [client.item_create(board["id"], name=f"Invoice {n}", values=invoice(n)) for n in range(5)]

    statuses = [e.status for e in sandbox.app.log.filter(vendor="monday")]
    assert len(created) == 5 and statuses == [200] * 5  # paced: never refused
    assert len(client.slept) == 2 and all(0 < wait <= 20 for wait in client.slept)

    # Another process spends the rest of the budget; a third one, knowing nothing of it, is refused, waits
    # retry_in_seconds and carries on.
    client.pacer = ComplexityPacer()
    client.item_create(board["id"], name="Invoice 5", values=invoice(5))
    client.pacer = ComplexityPacer()
    client.item_create(board["id"], name="Invoice 6", values=invoice(6))

    statuses = [e.status for e in sandbox.app.log.filter(vendor="monday")][5:]
    assert statuses == [200, 429, 200]
    assert len(client.slept) == 3 and 0 < client.slept[-1] <= 20
    assert len(client.items_by_column(board["id"], KEY, ["SI-0005", "SI-0006"])) == 2


def test_it_surfaces_monday_s_message_from_an_error_in_a_200(client, board):
    with pytest.raises(VendorRejected) as bad_column:
        client.item_create(board["id"], name="Invoice 1", values={"no_such_column": "x"})
    with pytest.raises(VendorNotFound) as bad_board:
        client.item_create("1899999999", name="Invoice 1", values={})

    assert str(bad_column.value).startswith("monday.com refused the request: This column ID doesn't exist for the "
                                            "board (InvalidColumnIdException).")
    assert bad_column.value.vendor_message == "This column ID doesn't exist for the board"
    assert "(InvalidBoardIdException)" in str(bad_board.value)
    with pytest.raises(VendorNotFound):
        list(client.items_pages("1899999999"))


def test_it_resends_a_mutation_refused_because_the_board_is_locked(client, board, monday, sandbox):
    monday.lock_board(board["id"])
    unlock_after = iter([lambda: None, lambda: monday.lock_board(board["id"], False)])
    client.sleep = lambda seconds: next(unlock_after)()

    item = client.item_create(board["id"], name="Invoice 1", values=invoice(1))

    assert item["name"] == "Invoice 1"
    assert [e.status for e in sandbox.app.log.filter(vendor="monday")][-3:] == [423, 423, 200]




def test_mutations_of_one_board_are_sent_one_at_a_time(client, board, monday, sandbox):
    other = client.board_create(name="Purchase orders")
    monday.concurrency.limit = 1  # a second request in flight is refused with 429
    monday.faults.slow_seconds = 0.3
    client.max_attempts = 1  # a refusal shows in the log once, and is not retried

    def in_parallel(*creates):
        errors = []

        def create(board_id, name):
            try:
                client.item_create(board_id, name=name, values={})
            except VendorError as error:
                errors.append(error)

        sandbox.app.log.clear()
        threads = [threading.Thread(target=create, args=args) for args in creates]
        [t.start() for t in threads]
        [t.join() for t in threads]
        return sorted(e.status for e in sandbox.app.log.filter(vendor="monday")), errors

    same_board = in_parallel((board["id"], "A"), (board["id"], "B"), (board["id"], "C"))
    two_boards = in_parallel((board["id"], "D"), (other["id"], "E"))

    assert same_board == ([200, 200, 200], [])
    assert two_boards[0] == [200, 429]  # other boards are not held back, so the test can fail
    assert sorted(values(i)["name"] for i in client.items_by_column(board["id"], "name", ["A", "B", "C"])) == [
        "A", "B", "C"]


def test_the_connection_test_caches_the_tokens_own_user_for_the_webhook_intake(make_sandbox_connection, sandbox):
    from connections.services import connection_test
    from connections.vendors.monday.client import token_digest
    from sandbox.vendors.monday import ADMIN_USER_ID, DEMO_TOKEN

    connection = make_sandbox_connection("monday")
    assert "user_id" not in (connection.config or {})

    assert connection_test(connection=connection).ok

    connection.refresh_from_db()
    assert connection.config["user_id"] == ADMIN_USER_ID  # `me { id }`: whose writes are ours
    assert connection.config["user_token"] == token_digest(DEMO_TOKEN) != DEMO_TOKEN
