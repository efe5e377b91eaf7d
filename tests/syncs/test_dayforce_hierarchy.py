"""Org units in either hierarchy mode, and nested journals: pure functions, no HTTP, no database."""
import pytest

from syncs.flows.dayforce_visma.hierarchy import COST_CENTER_MAP, OrgTree, hierarchy_chain
from syncs.flows.dayforce_visma.journal import DEPARTMENT_SEGMENT_MAP, PAY_CODE_MAP, JournalOptions, journal_of, totals
from syncs.mapping import InvalidRecord, MappingSet, MissingMapping

NESTED = {"hierarchy_mode": "nested", "nested_segments": {"Region": 2, "site": 3}}


def unit(xref, level, parent=None):
    parents = {"Items": [{"ParentOrgUnit": {"XRefCode": parent}}]} if parent else {}
    return {"XRefCode": xref, "ShortName": xref.title(), "OrgLevel": {"XRefCode": level}, "OrgUnitParents": parents}


UNITS = {u["XRefCode"]: u for u in (unit("CORP", "Corporate"), unit("NORTH", "Region", "CORP"),
                                    unit("WEST", "Region", "CORP"), unit("OSL", "Site", "NORTH"),
                                    unit("BGO", "Site", "WEST"))}
MAPPINGS = MappingSet(values={COST_CENTER_MAP: {"NORTH": "N1", "WEST": "W1", "OSL": "S1", "BGO": "S2"},
                              DEPARTMENT_SEGMENT_MAP: {"ENG": "40"}, PAY_CODE_MAP: {"REG": "7010"}})


def test_nested_names_a_unit_with_its_parents_and_flattened_with_its_own_value():
    assert [(a["segmentId"], a["segmentValue"]) for a in OrgTree(UNITS, NESTED).allocation("OSL", MAPPINGS)] == [
        (2, "N1"), (3, "S1")]
    assert OrgTree(UNITS, {}).allocation("OSL", MAPPINGS) == [{"segmentId": 2, "segmentValue": "S1",
                                                              "orgUnit": "OSL"}]


def test_a_unit_without_a_parent_at_some_level_or_unmapped_on_the_way_up_is_refused():
    tree = OrgTree(UNITS, NESTED)
    with pytest.raises(InvalidRecord, match="no parent at level"):
        tree.allocation("NORTH", MAPPINGS)  # a region has no site
    with pytest.raises(MissingMapping) as missing:
        tree.allocation("OSL", MappingSet(values={COST_CENTER_MAP: {"OSL": "S1"}}))
    assert missing.value.source_value == "NORTH"


def test_a_cycle_and_an_orphan_are_named():
    units = {**UNITS, "A": unit("A", "Site", "B"), "B": unit("B", "Site", "A"), "O": unit("O", "Site", "GONE")}
    assert "cycle: A → B → A" in hierarchy_chain("A", units)
    assert "names a parent 'GONE'" in hierarchy_chain("O", units)


def test_the_fingerprint_changes_with_a_move_only():
    moved = {**UNITS, "OSL": unit("OSL", "Site", "WEST")}
    renamed = {**UNITS, "OSL": {**UNITS["OSL"], "ShortName": "Oslo HQ"}}
    assert OrgTree(moved, NESTED).fingerprint() != OrgTree(UNITS, NESTED).fingerprint()
    assert OrgTree(renamed, NESTED).fingerprint() == OrgTree(UNITS, NESTED).fingerprint()


def test_a_nested_journal_keeps_the_hierarchy_it_was_posted_with():
    run = {"pay_group": "G", "pay_date": "2026-11-25", "lines": [
        {"PayCodeXRefCode": "REG", "PayAmount": 100, "DepartmentXRefCode": "ENG", "LocationXRefCode": "OSL"}]}
    options = JournalOptions(clearing_account="1930", cost_center_map=COST_CENTER_MAP,
                             org_tree=OrgTree(UNITS, NESTED))
    posted = journal_of(run, MAPPINGS, options)
    assert posted["journalTransactionLines"][0]["subaccount"] == [
        {"segmentId": 1, "segmentValue": "40"}, {"segmentId": 2, "segmentValue": "N1"},
        {"segmentId": 3, "segmentValue": "S1"}]
    assert totals(posted).by_cost_center == {"N1-S1": 100}

    options.org_tree = OrgTree({**UNITS, "OSL": unit("OSL", "Site", "WEST")}, NESTED)  # Oslo moved west
    assert journal_of(run, MAPPINGS, options)["journalTransactionLines"][0]["subaccount"][1]["segmentValue"] == "W1"
    assert journal_of(run, MAPPINGS, options, posted["allocations"]) == posted
