"""Type conversions of mapped Visma values into Power BI column types: pure, so tested without HTTP."""
import pytest

from connections.vendors.powerbi.conversions import ConversionError, convert


@pytest.mark.parametrize(("value", "data_type", "expected"), [
    ("1 234,50", "Double", 1234.5), ("1234.50", "Double", 1234.5), (7, "Double", 7.0),
    ("202401", "Int64", 202401), (12.0, "Int64", 12),
    ("Y", "Boolean", True), ("false", "Boolean", False), (True, "Boolean", True),
    ("2024-01-31", "DateTime", "2024-01-31T00:00:00"),
    ("2024-01-31T10:00:00Z", "DateTime", "2024-01-31T10:00:00+00:00"),
    (42, "String", "42"), (True, "String", "true"), ("", "Double", None), (None, "Int64", None),
])
def test_it_converts_what_a_person_mapped(value, data_type, expected):
    assert convert(value, data_type) == expected


@pytest.mark.parametrize(("value", "data_type", "reason"), [
    ("Open", "Double", "'Open' is not a number"), ("12.5", "Int64", "is not a whole number"),
    ("maybe", "Boolean", "is not true/false"), ("31.01.2024", "DateTime", "is not an ISO 8601 date"),
    ({"number": 1}, "String", "map one of its fields"), ("x" * 4001, "String", "at most 4,000"),
    ("nan", "Double", "not a finite number"), (True, "Double", "not a number"),
])
def test_it_refuses_what_does_not_convert_with_the_reason(value, data_type, reason):
    with pytest.raises(ConversionError, match=reason):
        convert(value, data_type)
