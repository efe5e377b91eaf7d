"""Dayforce → Visma.net: org units → cost centres, employees → employees, pay runs → journal transactions.

* Every run starts with a fresh password grant (Dayforce issues no refresh token) and reads Dayforce's
  services host from the connection, where the connection test stored it (ClientMetadata discovery).
* Employees: the delta is Dayforce's updated-window search (`filterUpdatedStartDate` +
  `filterUpdatedEndDate`) from the cursor to the run's start, less a clock-skew overlap; it answers
  XRefCodes only, so details are read per XRefCode, a few at a time, under Dayforce's rate limits
  (10/s, 100/min). The search also returns employees whose visible data did not change; their mapped
  content hashes the same, so they cause no Visma write.
* A person is identified by the XRefCode, which a rehire keeps: a termination sets the Visma employee
  Inactive, a rehire Active again, the same employee. The Dayforce department goes through the value
  mapping `department_to_visma_department`; a transfer changes it. An unmapped department holds the
  employee with the department's name, released once it is mapped.
* Org units: the hierarchy is flattened to values of Visma's cost-centre subaccount segment, whose
  description carries the parent path; moves and renames change the path, so the value is updated.
  Value ids are chosen in the mapping `org_unit_to_cost_center`. A cycle or an orphan is quarantined
  with the path that shows it; the run goes on.
* Pay summaries: one balanced journal transaction per pay group and pay period, after an accounting
  pre-flight and, optionally, a second person's approval; corrections are reversed and reposted
  (pay_runs.py, journal.py).
* Hierarchy: flattened (the path in the description) or nested (one subaccount segment per level; employees
  and journal lines name a unit with its parents), a wizard choice (OPTION_CHOICES, hierarchy.py).
"""
from __future__ import annotations

from datetime import datetime, timezone

from connections.vendors.errors import VendorPermissionError
from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, MappingChoices, OptionChoice, Stream, ValueMapChoices
from syncs.flows.dayforce_visma.journal import (
    DEPARTMENT_SEGMENT_MAP,
    DEPARTMENT_SEGMENT_MAP_TITLE,
    PAY_CATEGORY_MAP,
    PAY_CATEGORY_MAP_TITLE,
    PAY_CODE_MAP,
    PAY_CODE_MAP_TITLE,
)
from syncs.flows.dayforce_visma.hierarchy import OrgTree
from syncs.flows.dayforce_visma.pay_runs import PayRuns, pay_window_start
from syncs.flows.dayforce_visma.streams import (
    COST_CENTER_MAP,
    COST_CENTER_MAP_TITLE,
    DEPARTMENT_MAP,
    DEPARTMENT_MAP_TITLE,
    HIERARCHY_FLATTENED,
    HIERARCHY_NESTED,
    Employees,
    OrgUnits,
    OrgUnitsRead,
    employee_fields,
    hierarchy_path,
    items,
)
from syncs.mapping import field_paths

# Asked by the setup wizard (streams step) and stored in Integration.options.
OPTION_CHOICES = (
    OptionChoice("hierarchy_mode", "How Visma keeps the org-unit hierarchy", (
        (HIERARCHY_FLATTENED, "Flattened: one cost-centre value per org unit, its description the path from the top"),
        (HIERARCHY_NESTED, "Nested: one subaccount segment per level; employees and journals name a unit with "
                           "its parents (set nested_segments)"))),
    OptionChoice("approval_required", "Posting pay runs to the general ledger", (
        (False, "Post each pay run's journal once the accounting pre-flight passes"),
        (True, "A second person approves each journal before it is posted (Syncs > Journal approvals)"))),
)

FLOW = FlowSpec("dayforce_visma", "Dayforce → Visma.net", "dayforce", "visma",
                ("org_units", "employees", "pay_runs"), 15)


def build_streams(ctx: FlowContext) -> list[Stream]:
    ctx.source.session_start()
    org = OrgUnitsRead(ctx)  # read once, used by all three in nested mode
    return [OrgUnits(ctx, org), Employees(ctx, org), PayRuns(ctx, org)]


def mapping_choices(ctx: FlowContext) -> MappingChoices:
    """For the setup wizard, read live: Dayforce's departments (from its employees) and org units with
    their paths, Visma's departments and cost-centre values, and the fields of one real employee."""
    xrefs = ctx.source.employee_xrefcodes()
    employees = [e for e in ctx.source.employee_details_many(xrefs[:50]) if isinstance(e, dict)]
    departments = sorted({(f["department"], f["department_name"] or f["department"])
                          for f in map(employee_fields, employees) if f["department"]})
    units = {xref: ctx.source.org_unit(xref) for xref in ctx.source.org_units()}
    unit_values = [(xref, " / ".join(p) if isinstance(p := hierarchy_path(xref, units), list) else xref)
                   for xref in units]
    visma_departments = [(str(d["departmentId"]), f"{d['departmentId']} – {d.get('description') or ''}")
                         for d in ctx.destination.list_departments() if d.get("departmentId")]
    options = ctx.options
    # Segment values are keyed by valueId (docs/vendors/visma.md §4, SegmentValue).
    dimension = options.get("cost_center_dimension", "SUBACCOUNT")
    # Nested: an org unit's value lives in its level's segment, so the values of every level segment are offered.
    nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
    unit_dimension = (options.get("nested_dimension") or dimension) if nested else dimension
    cost_centers = [(str(v["valueId"]), f"{v['valueId']} – {v.get('description') or ''}")
                    for segment in OrgTree({}, options).segments()
                    for v in ctx.destination.list_cost_centers(unit_dimension, segment) if v.get("valueId")]
    department_segment = [(str(v["valueId"]), f"{v['valueId']} – {v.get('description') or ''}")
                          for v in ctx.destination.list_cost_centers(dimension, int(options.get("department_segment", 1)))
                          if v.get("valueId")]
    accounts = sorted((str(a["accountCd"]), f"{a['accountCd']} – {a.get('description') or ''}")
                      for a in ctx.destination.iter_accounts() if a.get("active", True))
    pay_codes, pay_categories = pay_code_choices(ctx, employees)
    return MappingChoices(
        value_maps=[ValueMapChoices(DEPARTMENT_MAP, DEPARTMENT_MAP_TITLE, departments, visma_departments),
                    ValueMapChoices(COST_CENTER_MAP, COST_CENTER_MAP_TITLE, unit_values, cost_centers),
                    ValueMapChoices(PAY_CODE_MAP, PAY_CODE_MAP_TITLE, pay_codes, accounts),
                    ValueMapChoices(PAY_CATEGORY_MAP, PAY_CATEGORY_MAP_TITLE, pay_categories, accounts),
                    ValueMapChoices(DEPARTMENT_SEGMENT_MAP, DEPARTMENT_SEGMENT_MAP_TITLE,
                                    [(value, label) for value, label in departments], department_segment)],
        source_fields={"employees": field_paths(employee_fields(employees[0])) if employees else []},
    )


def pay_code_choices(ctx: FlowContext, employees: list[dict]) -> tuple[list, list]:
    """Pay codes and pay categories seen in the last pay runs of the configured pay groups (or, before any
    is configured, of the pay groups the sampled employees are in). A role that may not read pay data
    leaves both to be typed in."""
    groups = list(ctx.options.get("pay_groups") or sorted({
        ((status.get("PayGroup") or {}).get("XRefCode")) for e in employees for status in items(e, "EmploymentStatuses")
        if (status.get("PayGroup") or {}).get("XRefCode")}))
    end = datetime.now(timezone.utc)
    start = pay_window_start(ctx.options, end)
    codes, categories = {}, set()
    try:
        for group in groups:
            for line in ctx.source.pay_summaries(start, end, pay_group=group):
                if line.get("PayCodeXRefCode"):
                    codes[line["PayCodeXRefCode"]] = line.get("PayCategoryXRefCode") or ""
                if line.get("PayCategoryXRefCode"):
                    categories.add(line["PayCategoryXRefCode"])
    except VendorPermissionError:
        return [], []
    return ([(code, f"{code} ({category})" if category else code) for code, category in sorted(codes.items())],
            [(category, category) for category in sorted(categories)])
