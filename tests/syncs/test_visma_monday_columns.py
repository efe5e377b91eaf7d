"""The Visma ↔ monday value transforms per column type and the board layout match (pure functions)."""
from datetime import date

import pytest

from syncs.flows.visma_monday.board import layout_match
from syncs.flows.visma_monday.columns import (DOCUMENT_COLUMNS, Link, Money, People, aging_bucket, column_value,
                                              item_values)


@pytest.mark.parametrize("column_type, value, sent", [
    ("numbers", Money(1250.5, "NOK"), "1250.50"),
    ("text", Money(1250.5, "NOK"), "1250.50 NOK"),
    ("date", "2026-12-24T00:00:00", {"date": "2026-12-24"}),
    ("status", "On hold", {"label": "On hold"}),
    ("link", Link("https://x.example/v1/supplierInvoice/1", "Open"), {"url": "https://x.example/v1/supplierInvoice/1",
                                                                     "text": "Open"}),
    ("people", People((51000002,)), {"personsAndTeams": [{"id": 51000002, "kind": "person"}]}),
    ("email", "ap@northwind.example", {"email": "ap@northwind.example", "text": "ap@northwind.example"}),
    ("dropdown", "5010", {"labels": ["5010"]}),
    ("text", None, None),
])
def test_it_encodes_each_value_for_the_columns_type(column_type, value, sent):
    assert column_value(column_type, value) == sent


def test_it_refuses_a_date_that_is_not_one():
    with pytest.raises(ValueError):
        column_value("date", "soon")


def test_item_values_leave_out_what_the_board_does_not_map():
    layout = {"amount": {"id": "numbers7", "type": "numbers"}}
    assert item_values({"amount": 12, "aging": "Current"}, layout) == {"numbers7": "12.00"}


@pytest.mark.parametrize("due, balance, bucket", [
    ("2026-12-01", 10.0, "Current"), ("2026-11-20", 10.0, "1–30"), ("2026-10-15", 10.0, "31–60"),
    ("2026-09-10", 10.0, "61–90"), ("2026-01-01", 10.0, "90+"), ("2026-01-01", 0.0, "Paid"), (None, 5.0, "Current"),
])
def test_ar_aging_buckets(due, balance, bucket):
    assert aging_bucket(due, balance, date(2026, 12, 1)) == bucket


def test_the_layout_is_matched_by_position_after_the_item_name():
    board = {"columns": [{"id": "name", "title": "Name", "type": "name"},
                         {"id": "t1", "title": "A", "type": "text"}, {"id": "t2", "title": "B", "type": "text"}]}
    layout, missing, problems = layout_match(board, DOCUMENT_COLUMNS, by_position=True)
    assert (layout["document"]["id"], layout["party"]["id"]) == ("t1", "t2")
    assert "visma_key" not in layout and DOCUMENT_COLUMNS[0] in missing  # the key column is always ours
    assert problems == []


def test_an_explicit_table_naming_a_column_the_board_lacks_is_a_problem():
    _, _, problems = layout_match({"columns": []}, DOCUMENT_COLUMNS, columns={"amount": "gone"})
    assert problems == ["Amount: the board has no column 'gone'."]
