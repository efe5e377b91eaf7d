"""Rippling → Visma.net: workers → employees, departments → cost centers (Visma departments).

* Changes are found by polling `updated_at` (`filter=updated_at ge …&order_by=updated_at`),
  following `next_link`; the cursor (watermark + next_link) is checkpointed after every page.
  The first run is a full sync ordered by `created_at`. The next watermark is when the walk began
  less a clock-skew overlap (see `RipplingPagedStream`).
* A person is identified by the Rippling **user** id, not the worker id: a rehire reactivates the
  same Visma employee through the id map, never a second one, whether Rippling reuses the worker
  record or creates a new one.
* Employees are upserts with a natural key, the employee number: a write whose outcome is unknown
  (a crash after Visma answered, a timeout) is reconciled by looking the number up before anything
  is sent again. Departments write nothing (reference mode): the value mapping is the link.
* Hires create, terminations set the Visma employee Inactive (Visma's EmployeeDto has no end-date
  field in the contract; the end date is kept in the audit trail and can be mapped with a field
  mapping where a company's Visma exposes one), rehires set it Active again.
* The department goes through the value mapping `department_to_cost_center` (Rippling department →
  the Visma department that carries the employee's cost center). An employee whose department has
  no mapping is held, with the department's name in the reason, and released once it is mapped.
* App Shop installs also get `employee.*` webhooks (form-encoded, notification-only: docs/vendors/rippling.md §8): the
  worker they name is re-read by id and written like a polled one; polling stays on as the backstop.
* Fields Rippling redacts for this API key are left out, never sent as blanks, so Visma keeps what it
  has; they are reported once per run as a permissions hint.
"""
from __future__ import annotations

from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, MappingChoices, Stream, ValueMapChoices
from syncs.flows.rippling_visma.streams import (DEPARTMENT_MAP, DEPARTMENT_MAP_TITLE, Departments,  # noqa: F401
                                                Employees)
from syncs.mapping import field_paths

FLOW = FlowSpec("rippling_visma", "Rippling → Visma.net", "rippling", "visma", ("departments", "employees"), 15)


def build_streams(ctx: FlowContext) -> list[Stream]:
    return [Departments(ctx), Employees(ctx)]


def mapping_choices(ctx: FlowContext) -> MappingChoices:
    """For the setup wizard, read live: Rippling's departments, the Visma departments an employee can be
    put in, and the fields of one real Rippling worker (for field mappings)."""
    departments = [(d["id"], d.get("name") or d["id"]) for d in ctx.source.list_departments()]
    targets = []
    for department in ctx.destination.list_departments():
        key = str(department.get("departmentId") or "")
        if key:
            description = department.get("description")
            targets.append((key, f"{key} – {description}" if description else key))
    first_page = next(iter(ctx.source.worker_pages(page_size=1, expand=("user",))), None)
    worker = first_page.results[0] if first_page and first_page.results else {}
    return MappingChoices(
        value_maps=[ValueMapChoices(DEPARTMENT_MAP, DEPARTMENT_MAP_TITLE, departments, targets)],
        source_fields={"employees": field_paths(worker)},
    )
