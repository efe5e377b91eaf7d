"""Names and field-level changes of records, as the preview and the story show them (pure)."""
from syncs.diff import FieldChange, field_changes, record_name


def test_it_names_people_by_their_names_and_things_by_theirs():
    assert record_name({"contact": {"firstName": "Ada", "lastName": "Lovelace"}, "employeeCd": "7"}) == "Ada Lovelace"
    assert record_name({"user": {"name": {"given_name": "Alan", "family_name": "Turing"}}}) == "Alan Turing"
    assert record_name({"id": "65a0", "name": "Platform"}) == "Platform"
    assert record_name({"id": "65a0"}) == "" and record_name(["not", "a", "record"]) == ""


def test_it_lists_only_the_fields_that_change_with_before_and_after():
    before = {"department": "HR", "contact.firstName": "Hand-edited", "status": "Active", "branch": 1}
    after = {"department": "IT", "contact": {"firstName": "Ada", "email": "ada@example.com"}, "status": "Active",
             "branch": "1"}
    assert field_changes(before, after) == [
        FieldChange("contact.email", "", "ada@example.com"),
        FieldChange("contact.firstName", "Hand-edited", "Ada"),
        FieldChange("department", "HR", "IT"),
    ]


def test_a_list_is_one_value():
    allocation = [{"segmentId": 1, "segmentValue": "10"}]
    assert field_changes({"subaccount": allocation}, {"subaccount": allocation}) == []
    assert field_changes({}, {"subaccount": allocation})[0].after == '[{"segmentId": 1, "segmentValue": "10"}]'
