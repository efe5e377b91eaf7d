"""The monday sandbox's boards and items over raw HTTP (docs/vendors/monday.md §3–§6): every answer conforms to
the SDL, column values per type, cursor paging, query_params rules, errors in 200, 423 and the 429 limits."""
import json
import threading

import pytest

from tests.sandbox.test_monday_sandbox import assert_conforms, assert_valid, post, schema  # noqa: F401

CREATE_BOARD = "mutation ($name: String!) { create_board(board_name: $name, board_kind: public) { id } }"
CREATE_COLUMN = ("mutation ($b: ID!, $t: String!, $ty: ColumnType!, $id: String, $d: JSON) { "
                 "create_column(board_id: $b, title: $t, column_type: $ty, id: $id, defaults: $d) { id type } }")
CREATE_ITEM = ("mutation ($b: ID!, $n: String!, $v: JSON, $labels: Boolean) { create_item(board_id: $b, "
               "item_name: $n, column_values: $v, create_labels_if_missing: $labels) { id name } }")
VALUES = ("column_values { __typename id type text value ... on StatusValue { index label } ... on NumbersValue { number } "
          "... on DateValue { date } ... on LinkValue { url url_text } ... on EmailValue { email label } "
          "... on DropdownValue { values { id label } } ... on PeopleValue { persons_and_teams { id kind } } }")
PAGE = ("query ($b: [ID!], $limit: Int!, $q: ItemsQuery) { boards(ids: $b) { items_page(limit: $limit, "
        "query_params: $q) { cursor items { id name } } } }")
NEXT = "query ($c: String!, $limit: Int!) { next_items_page(cursor: $c, limit: $limit) { cursor items { id name } } }"
COLUMNS = [("key", "Key", "text", None), ("amount", "Amount", "numbers", None), ("due", "Due", "date", None),
           ("state", "State", "status", {"labels": {"0": "Open", "1": "Approved"}}), ("link", "Link", "link", None),
           ("mail", "Mail", "email", None), ("dim", "Dimension", "dropdown",
                                              {"settings": {"labels": [{"id": 1, "name": "Sales"}]}}),
           ("owner", "Owner", "people", None)]


def data(response):
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def error_of(response):
    body = response.json()
    assert response.status_code == 200, body
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture
def board(sandbox):
    board_id = data(post(sandbox, CREATE_BOARD, {"name": "Invoices"}))["create_board"]["id"]
    for column_id, title, kind, defaults in COLUMNS:
        data(post(sandbox, CREATE_COLUMN, {"b": board_id, "t": title, "ty": kind, "id": column_id,
                                           "d": json.dumps(defaults) if defaults else None}))
    return board_id


def create(sandbox, board, name, values=None, **variables):
    return post(sandbox, CREATE_ITEM, {"b": board, "n": name, "v": json.dumps(values or {}), **variables})


def test_column_values_of_every_type_are_stored_and_read_as_the_sdl_types_them(schema, sandbox, board):
    item = data(create(sandbox, board, "Invoice 1", {
        "key": "SI-1", "amount": 12.5, "due": {"date": "2026-12-31"}, "state": {"label": "Approved"},
        "link": {"url": "https://visma.net/1", "text": "In Visma"}, "mail": "ap@northwind.example",
        "dim": {"labels": ["Sales"]}, "owner": {"personsAndTeams": [{"id": 51000002, "kind": "person"}]}}))
    query = f"query ($ids: [ID!]) {{ items(ids: $ids) {{ id name {VALUES} }} }}"
    assert_valid(schema, query)

    read = data(post(sandbox, query, {"ids": [item["create_item"]["id"]]}))

    assert_conforms(schema, query, {"ids": [item["create_item"]["id"]]}, read)
    by_id = {value["id"]: value for value in read["items"][0]["column_values"]}
    assert {k: v["text"] for k, v in by_id.items()} == {
        "name": "Invoice 1", "key": "SI-1", "amount": "12.5", "due": "2026-12-31", "state": "Approved",
        "link": "In Visma - https://visma.net/1", "mail": "ap@northwind.example", "dim": "Sales", "owner": "Max Member"}
    assert (by_id["state"]["index"], by_id["amount"]["number"], by_id["link"]["url_text"]) == (1, 12.5, "In Visma")
    assert json.loads(by_id["key"]["value"]) == "SI-1"
    assert by_id["owner"]["persons_and_teams"] == [{"id": "51000002", "kind": "person"}]


@pytest.mark.parametrize("column, value", [
    ("state", {"label": "Lost"}), ("amount", "twelve"), ("due", {"date": "31.12.2026"}), ("mail", "not-an-address"),
    ("link", {"url": "ftp://x"}), ("dim", {"labels": ["Nope"]}), ("owner", {"personsAndTeams": [{"id": 1}]}),
])
def test_a_value_the_column_cannot_take_is_a_column_value_exception(sandbox, board, column, value):
    assert error_of(create(sandbox, board, "Bad", {column: value})) == "ColumnValueException"


def test_a_missing_label_is_created_only_when_asked(sandbox, board):
    created = data(create(sandbox, board, "Invoice", {"state": {"label": "Received"}}, labels=True))

    assert created["create_item"]["name"] == "Invoice"
    assert sandbox.app["monday"].data.boards[board]["columns"][4]["settings"]["labels"]["2"] == "Received"


def test_unknown_boards_and_columns_and_the_items_cap_are_errors_in_200(sandbox, board):
    assert error_of(create(sandbox, "1899999999", "X")) == "InvalidBoardIdException"
    assert error_of(create(sandbox, board, "X", {"nope": "x"})) == "InvalidColumnIdException"

    sandbox.app["monday"].data.boards[board]["items_limit"] = 1
    data(create(sandbox, board, "Only one"))
    assert error_of(create(sandbox, board, "Second")) == "ItemsLimitationException"


def test_items_are_paged_by_cursor_until_it_is_null(sandbox, board):
    for n in range(5):
        data(create(sandbox, board, f"Invoice {n}"))

    first = data(post(sandbox, PAGE, {"b": [board], "limit": 2}))["boards"][0]["items_page"]
    second = data(post(sandbox, NEXT, {"c": first["cursor"], "limit": 2}))["next_items_page"]
    third = data(post(sandbox, NEXT, {"c": second["cursor"], "limit": 2}))["next_items_page"]

    assert [[i["name"] for i in page["items"]] for page in (first, second, third)] == [
        ["Invoice 0", "Invoice 1"], ["Invoice 2", "Invoice 3"], ["Invoice 4"]]
    assert third["cursor"] is None
    assert error_of(post(sandbox, PAGE, {"b": [board], "limit": 501})) == "InvalidArgumentException"
    sandbox.app.clock.advance(3601)  # a cursor lives an hour
    assert error_of(post(sandbox, NEXT, {"c": second["cursor"], "limit": 2})) == "CursorExpiredError"


def test_query_params_rules_find_items_by_column_value(sandbox, board):
    for n, state in enumerate(["Open", "Approved", "Open"]):
        data(create(sandbox, board, f"Invoice {n}", {"key": f"SI-{n}", "state": {"label": state},
                                                    "amount": str(100 * n)}))

    def names(query):
        page = data(post(sandbox, PAGE, {"b": [board], "limit": 50, "q": query}))["boards"][0]["items_page"]
        return [item["name"] for item in page["items"]]

    assert names({"rules": [{"column_id": "key", "compare_value": ["SI-2", "SI-0"]}]}) == ["Invoice 0", "Invoice 2"]
    assert names({"rules": [{"column_id": "state", "compare_value": [1]}]}) == ["Invoice 1"]
    assert names({"rules": [{"column_id": "amount", "compare_value": [50], "operator": "greater_than"},
                            {"column_id": "state", "compare_value": ["Open"]}]}) == ["Invoice 2"]
    assert names({"operator": "or", "rules": [{"column_id": "key", "compare_value": ["SI-0"]},
                                              {"column_id": "state", "compare_value": ["Approved"]}]}) == [
        "Invoice 0", "Invoice 1"]
    assert names({"rules": [{"column_id": "due", "compare_value": [], "operator": "is_empty"}]}) == [
        "Invoice 0", "Invoice 1", "Invoice 2"]


def test_changed_archived_and_deleted_items(sandbox, board):
    item_id = data(create(sandbox, board, "Invoice", {"key": "SI-9"}))["create_item"]["id"]
    change = ("mutation ($b: ID!, $i: ID, $v: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, "
              "column_values: $v) { name column_values(ids: [\"key\", \"amount\"]) { text } } }")
    single = ("mutation ($b: ID!, $i: ID, $v: JSON!) { change_column_value(board_id: $b, item_id: $i, "
              "column_id: \"state\", value: $v) { column_values(ids: [\"state\"]) { text } } }")

    changed = data(post(sandbox, change, {"b": board, "i": item_id, "v": json.dumps(
        {"name": "Invoice SI-9", "key": "SI-9b", "amount": "7"})}))["change_multiple_column_values"]
    status = data(post(sandbox, single, {"b": board, "i": item_id, "v": json.dumps({"label": "Approved"})}))
    data(post(sandbox, "mutation ($i: ID) { archive_item(item_id: $i) { id } }", {"i": item_id}))
    archived = data(post(sandbox, PAGE, {"b": [board], "limit": 5}))["boards"][0]["items_page"]["items"]
    data(post(sandbox, "mutation ($i: ID) { delete_item(item_id: $i) { id } }", {"i": item_id}))

    assert changed == {"name": "Invoice SI-9", "column_values": [{"text": "SI-9b"}, {"text": "7"}]}
    assert status["change_column_value"]["column_values"] == [{"text": "Approved"}]
    assert archived == []
    assert data(post(sandbox, "query ($i: [ID!]) { items(ids: $i) { id } }", {"i": [item_id]}))["items"] == []


def test_a_locked_board_answers_423_to_mutations_but_not_to_reads(sandbox, board):
    sandbox.app["monday"].lock_board(board)

    refused = create(sandbox, board, "Invoice")
    read = post(sandbox, PAGE, {"b": [board], "limit": 5})

    assert refused.status_code == 423
    assert refused.json()["errors"][0]["message"] == "Resource is currently locked, please try again later"
    assert read.status_code == 200


def test_the_daily_limit_answers_429_until_midnight_utc(sandbox):
    sandbox.app["monday"].daily.limit = 2
    query = "query { me { id } }"
    post(sandbox, query), post(sandbox, query)

    refused = post(sandbox, query)

    assert refused.status_code == 429
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "DAILY_LIMIT_EXCEEDED"
    assert 0 < error["extensions"]["retry_in_seconds"] <= 86400
    sandbox.app.clock.advance(error["extensions"]["retry_in_seconds"])
    assert post(sandbox, query).status_code == 200


def test_the_concurrency_limit_answers_429_to_the_request_beyond_it(sandbox):
    monday = sandbox.app["monday"]
    monday.concurrency.limit = 1
    monday.faults.slow_seconds = 0.5  # each request stays in flight half a second
    statuses = []

    def call():
        statuses.append(post(sandbox, "query { me { id } }").status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert sorted(statuses) == [200, 429]


def test_a_query_past_the_per_query_complexity_is_refused(sandbox):
    # 500 boards × 500 items × their fields: far beyond the 5,000,000 points of one query (docs/vendors/monday.md §6).
    query = ("query { boards(limit: 500) { items_page(limit: 500) { items { id name column_values { id text } "
             "updates(limit: 100) { id body } } } } }")

    response = post(sandbox, query)

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "maxComplexityExceeded"


def test_create_board_has_its_own_minute_limit(sandbox):
    sandbox.app["monday"].create_board_limiter.limit = 1
    data(post(sandbox, CREATE_BOARD, {"name": "One"}))

    refused = post(sandbox, CREATE_BOARD, {"name": "Two"})

    assert refused.status_code == 429
    assert refused.json()["errors"][0]["message"] == "Call limit exceeded for CreateBoard"
    assert int(refused.headers["Retry-After"]) >= 1

