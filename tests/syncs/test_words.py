"""Internal names in customer words (syncs.words)."""
import pytest

from syncs.words import column_label, map_label, missing_mapping_label, stream_label


@pytest.mark.parametrize("name, words", [
    ("department_to_cost_center", "Department → cost center"),
    ("work_location_to_location", "Work location → location"),
    ("org_unit_to_cost_center", "Org unit → cost center"),
    ("employee_class", "Employee class"),
])
def test_a_value_map_reads_as_a_translation(name, words):
    assert map_label(name) == words


def test_streams_and_columns_read_as_words():
    assert stream_label("cost_centers") == "Cost centers"
    assert column_label("http_calls") == "Requests to the vendors"
    assert column_label("base_url") == "Server address"
    assert column_label("target_id") == "Target ID"


def test_a_missing_mapping_names_the_translation_and_the_value():
    assert missing_mapping_label("department_to_cost_center:d-12") == "Department → cost center for “d-12”"
