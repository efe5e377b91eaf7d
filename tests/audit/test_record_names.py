"""What a record is called (audit.names.record_name): names before job titles, nested the way vendors nest."""
import pytest

from audit.names import record_label, record_name


@pytest.mark.parametrize("payload, name", [
    ({"id": "d1", "name": "Platform"}, "Platform"),
    ({"title": "Staff Engineer", "user": {"display_name": "Alan Turing"}}, "Alan Turing"),
    ({"title": "Staff Engineer", "user": {"name": {"formatted": "Alan Turing"}}}, "Alan Turing"),
    ({"firstName": "Kari", "lastName": "Nordmann"}, "Kari Nordmann"),
    ({"contact": {"name": "Ola Nordmann"}}, "Ola Nordmann"),
    ({"title": "Quarterly report"}, "Quarterly report"),
    ({"id": "x", "name": "***"}, ""),
    ({}, ""), (None, ""), ("text", ""),
])
def test_it_finds_the_name(payload, name):
    assert record_name(payload) == name


def test_the_label_puts_the_name_first_and_the_id_second():
    assert record_label("Alan Turing", "employees", "65a011") == "Alan Turing (employees 65a011)"
    assert record_label("", "employees", "65a011") == "Employees 65a011"
