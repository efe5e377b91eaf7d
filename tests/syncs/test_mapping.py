import pytest

from syncs.mapping import (
    FieldRule,
    InvalidRecord,
    MappingSet,
    MissingMapping,
    apply_rules,
    content_hash,
    field_paths,
    get_path,
)

RULES = [
    FieldRule("employeeName", "name", required=True),
    FieldRule("department", "dept", value_map="department_to_cost_center", label="cost center"),
    FieldRule("contact.email", "emails.0"),
    FieldRule("status", default="Active"),
]


def test_it_maps_fields_values_nested_paths_and_defaults():
    mappings = MappingSet(values={"department_to_cost_center": {"Engineering": "200"}})
    record = {"name": "Ann", "dept": "Engineering", "emails": ["ann@example.com"]}

    assert apply_rules(record, RULES, mappings) == {
        "employeeName": "Ann", "department": "200", "contact": {"email": "ann@example.com"}, "status": "Active"}


def test_a_missing_value_mapping_names_the_exact_key():
    with pytest.raises(MissingMapping) as caught:
        apply_rules({"name": "Ann", "dept": "Sales"}, RULES, MappingSet())

    assert caught.value.key == "department_to_cost_center:Sales"
    assert "No cost center mapping for 'Sales'" in str(caught.value)


def test_a_required_empty_field_is_invalid():
    with pytest.raises(InvalidRecord, match="name"):
        apply_rules({"dept": "Engineering"}, RULES, MappingSet(values={"department_to_cost_center": {"Engineering": "1"}}))


def test_a_failing_transform_is_invalid_not_a_crash():
    rules = [FieldRule("hours", "hours", transform=float)]
    with pytest.raises(InvalidRecord, match="hours"):
        apply_rules({"hours": "lots"}, rules, MappingSet())


def test_overrides_replace_default_rules_and_add_new_ones():
    mappings = MappingSet(overrides={"employees": {
        "employeeName": FieldRule("employeeName", "preferred_name"),
        "title": FieldRule("title", "job"),
    }})
    rules = mappings.rules_for("employees", RULES)

    assert apply_rules({"preferred_name": "Annie", "job": "CTO"}, rules, mappings) == {
        "employeeName": "Annie", "title": "CTO", "status": "Active"}


def test_the_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_get_path_handles_lists_and_missing_parts():
    assert get_path({"a": [{"b": 3}]}, "a.0.b") == 3
    assert get_path({"a": []}, "a.0.b", None) is None


def test_field_paths_name_every_scalar_field_a_rule_can_read():
    record = {"id": "w1", "user": {"name": {"given_name": "Ada"}, "emails": [{"value": "a@x"}]}, "manager": {},
              "__meta": {"redacted_fields": ["ssn"]}}
    assert field_paths(record) == ["id", "manager", "user.emails", "user.name.given_name"]
    assert field_paths(None) == []
