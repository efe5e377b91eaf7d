"""How stored records are shown: employee details with `expand` and the context date, org units with
their parents and children, field-level security. Pure functions over the store's dicts."""
from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.vendors.dayforce.contract import parse_date

# The expandable collections the sandbox keeps (§4.2); names are matched case-insensitively.
STORED_COLLECTIONS = ("WorkAssignments", "EmploymentStatuses", "EmployeeManagers", "Addresses", "Contacts")
DERIVED_COLLECTIONS = ("OrgUnitInfos", "CompensationSummary")
COLLECTIONS = {name.lower(): name for name in STORED_COLLECTIONS + DERIVED_COLLECTIONS}
VISIBLE = frozenset({"Employee", *STORED_COLLECTIONS})
COMPENSATION_FIELDS = ("EmployeeNumber", "EffectiveStart", "EffectiveEnd", "PayType", "PayGroup", "PayClass",
                       "EmploymentStatusReason", "BaseRate", "BaseSalary", "NormalWeeklyHours", "LastModifiedTimestamp")


def expand_names(value: str | None) -> list[str]:
    """The known collections named in `expand`; unknown names are ignored, as Dayforce ignores them."""
    wanted = [part.strip().lower() for part in (value or "").split(",")]
    return [COLLECTIONS[name] for name in wanted if name in COLLECTIONS]


def overlaps(item: dict, start: datetime, end: datetime) -> bool:
    """Whether an effective-dated record is in force at some moment of [start, end].
    EffectiveEnd is a day: the record holds through the end of it."""
    if "EffectiveStart" not in item:
        return True
    ends = item.get("EffectiveEnd")
    return parse_date(item["EffectiveStart"]) <= end and (ends is None or start < parse_date(ends) + timedelta(days=1))


def nulled(value, hidden: frozenset[str]):
    """Field-level security: hidden properties come back null; the structure stays (DG-AUTHZ)."""
    if isinstance(value, dict):
        return {key: None if key in hidden else nulled(item, hidden) for key, item in value.items()}
    if isinstance(value, list):
        return [nulled(item, hidden) for item in value]
    return value


def collection_items(employee: dict, name: str, org_units: dict[str, dict]) -> list[dict]:
    if name == "CompensationSummary":
        return [{key: status[key] for key in COMPENSATION_FIELDS if key in status}
                for status in employee["EmploymentStatuses"]]
    if name == "OrgUnitInfos":
        return [org_unit_info(assignment, org_units) for assignment in employee["WorkAssignments"]]
    return employee[name]


def org_unit_info(assignment: dict, org_units: dict[str, dict]) -> dict:
    location = assignment["Location"]
    unit = org_units.get(location["XRefCode"], {})
    detail = {**location, "EffectiveStart": assignment["EffectiveStart"], "IsPrimary": assignment.get("IsPrimary", True),
              "OrgLevel": org_level(unit.get("OrgLevel", ""))}
    if assignment.get("EffectiveEnd"):
        detail["EffectiveEnd"] = assignment["EffectiveEnd"]
    return {"OrgUnitDetail": detail, "Department": assignment["Position"]["Department"]}


def employee_view(employee: dict, *, expand: list[str], start: datetime, end: datetime,
                  org_units: dict[str, dict], hidden: frozenset[str] = frozenset()) -> dict:
    record = dict(employee["master"])
    # Updates of entities the sandbox does not show (touch_hidden) are found by the search, not shown here.
    record["EmployeeLatestUpdatedTimestamp"] = max(at for entity, at in employee["updates"] if entity in VISIBLE)
    current = [a for a in employee["WorkAssignments"] if overlaps(a, start, end)]
    if current:
        record["HomeOrganization"] = dict(current[-1]["Location"])
    for name in expand:
        items = collection_items(employee, name, org_units)
        # OrgUnitInfos carry their dates inside OrgUnitDetail; the others at the top.
        dated = [i for i in items if overlaps(i.get("OrgUnitDetail", i), start, end)]
        record[name] = {"Items": dated}
    return nulled(record, hidden)


def updated_between(employee: dict, start: datetime, end: datetime, entities: set[str] | None) -> bool:
    """The `filterUpdated*` search: an update in the window, or a record that became effective in it (§4.1)."""
    for entity, at in employee["updates"]:
        if (entities is None or entity.lower() in entities) and start <= parse_date(at) <= end:
            return True
    for name in STORED_COLLECTIONS:
        if entities is not None and name.lower() not in entities:
            continue
        for item in employee[name]:
            if "EffectiveStart" in item and start <= parse_date(item["EffectiveStart"]) <= end:
                return True
    return False


def matches_search(employee: dict, args, moment: datetime) -> bool:
    """The employee search's other filters (§4.1), on the records in force at `moment`."""
    view = employee_view(employee, expand=["WorkAssignments", "EmploymentStatuses"], start=moment, end=moment,
                         org_units={})
    statuses = view["EmploymentStatuses"]["Items"]
    assignments = view["WorkAssignments"]["Items"]
    checks = {
        "employeeNumber": lambda v: view.get("EmployeeNumber") == v,
        "displayName": lambda v: v.lower() in (view.get("DisplayName") or "").lower(),
        "employmentStatusXRefCode": lambda v: any(s["EmploymentStatus"]["XRefCode"] == v for s in statuses),
        "payGroupXRefCode": lambda v: any(s["PayGroup"]["XRefCode"] == v for s in statuses),
        "departmentXRefCode": lambda v: any(a["Position"]["Department"]["XRefCode"] == v for a in assignments),
        "orgUnitXRefCode": lambda v: any(a["Location"]["XRefCode"] == v for a in assignments),
    }
    return all(check(args[name]) for name, check in checks.items() if args.get(name))


def org_level(name: str) -> dict:
    return {"XRefCode": name.upper(), "ShortName": name, "LongName": name}


def org_unit_view(unit: dict, *, org_units: dict[str, dict], moment: datetime, parents: bool,
                  children: bool) -> dict:
    record = {key: unit[key] for key in ("XRefCode", "ShortName", "LongName", "OpeningDate",
                                         "LastModifiedTimestamp")}
    record["OrgLevel"] = org_level(unit["OrgLevel"])
    if parents:
        record["OrgUnitParents"] = {"Items": [parent_item(link, org_units)
                                              for link in unit["parents"] if overlaps(link, moment, moment)]}
    if children:
        record["ChildOrgUnits"] = {"Items": [
            {"XRefCode": child["XRefCode"], "ShortName": child["ShortName"], "LongName": child["LongName"],
             "OrgLevel": org_level(child["OrgLevel"])}
            for child in org_units.values()
            if any(link["XRefCode"] == unit["XRefCode"] and overlaps(link, moment, moment)
                   for link in child["parents"])]}
    return record


def parent_item(link: dict, org_units: dict[str, dict]) -> dict:
    parent = org_units.get(link["XRefCode"])
    # An orphan's parent is gone: Dayforce would still name its code, without names.
    names = {"ShortName": parent["ShortName"], "LongName": parent["LongName"]} if parent else {}
    item = {"ParentOrgUnit": {"XRefCode": link["XRefCode"], **names}, "EffectiveStart": link["EffectiveStart"]}
    if link.get("EffectiveEnd"):
        item["EffectiveEnd"] = link["EffectiveEnd"]
    return item
