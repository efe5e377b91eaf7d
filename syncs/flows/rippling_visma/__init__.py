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
* Hires create, terminations set the Visma employee Inactive (Visma's employee API has no end-date
  field, neither in the contract nor in the vendored spec; the end date is kept in the audit trail),
  rehires set it Active again.
* The work location goes through `work_location_to_location` (Rippling work location → a value of Visma's
  LOCATION dimension) once the company maps any; a worker at an unmapped place is then held and released
  when it is mapped.
* The department goes through the value mapping `department_to_cost_center` (Rippling department →
  the Visma department that carries the employee's cost center). An employee whose department has
  no mapping is held, with the department's name in the reason, and released once it is mapped.
* App Shop installs also get `employee.*` webhooks (form-encoded, notification-only: docs/vendors/rippling.md §8): the
  worker they name is re-read by id and written like a polled one; polling stays on as the backstop, every
  4 hours for an install (`backstop_every_minutes` in the options overrides it).
* Fields Rippling redacts for this API key are left out, never sent as blanks, so Visma keeps what it
  has; they are reported once per run as a permissions hint.
"""
from __future__ import annotations

from connections.vendors.rippling.oauth import auth_method
from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, MappingChoices, Stream, ValueMapChoices
from syncs.flows.rippling_visma.streams import (DEPARTMENT_MAP, DEPARTMENT_MAP_TITLE, LOCATION_MAP,  # noqa: F401
                                                LOCATION_MAP_TITLE, Departments, Employees)
from syncs.flows.rippling_visma.dimensions import configured_segments, segment_map, segment_maps
from syncs.mapping import field_paths

FLOW = FlowSpec("rippling_visma", "Rippling → Visma.net", "rippling", "visma", ("departments", "employees"), 15)
# App Shop installs get employee.* webhooks: the poll is then only the backstop for lost notifications
# (Rippling documents no retry, docs/vendors/rippling.md §8). API keys get no webhooks: they keep polling.
OAUTH_BACKSTOP_MINUTES = 240


def backstop_every_minutes(integration) -> int | None:
    credentials = integration.source.credentials or {}
    installed = auth_method(credentials) == "oauth" and credentials.get("refresh_token")
    return OAUTH_BACKSTOP_MINUTES if installed else None


def build_streams(ctx: FlowContext) -> list[Stream]:
    return [Departments(ctx), Employees(ctx)]


def dimension_values(ctx: FlowContext, label: str, departments: list) -> list[tuple[str, str]]:
    """Rippling's own values of a dimension source, for the wizard; [] where the user types them in."""
    if label == "department":
        return departments
    lister = {"team": ctx.source.list_teams, "level": ctx.source.list_levels}.get(label)
    return [(row["id"], row.get("name") or row["id"]) for row in lister()] if lister else []


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
    locations = [(w["id"], w.get("name") or w["id"]) for w in ctx.source.list_work_locations()]
    places = [(str(v["valueId"]), f"{v['valueId']} – {v.get('description', '')}".rstrip(" –"))
              for v in ctx.destination.list_locations() if v.get("valueId")]
    first_page = next(iter(ctx.source.worker_pages(page_size=1, expand=("user",))), None)
    worker = first_page.results[0] if first_page and first_page.results else {}
    value_maps = [ValueMapChoices(DEPARTMENT_MAP, DEPARTMENT_MAP_TITLE, departments, targets),
                  ValueMapChoices(LOCATION_MAP, LOCATION_MAP_TITLE, locations, places)]
    for segment_id, source in sorted(configured_segments(ctx.options).items()):
        # Accounting dimensions: the segment's real values against Rippling's real departments, teams or levels
        # (GET /teams/, /levels/); compensation payment types are typed in (a free string in the spec, not listed).
        values = [(str(v["valueId"]), f"{v['valueId']} – {v.get('description', '')}")
                  for v in ctx.destination.list_cost_centers("SUBACCOUNT", segment_id) if v.get("valueId")]
        map_name = segment_map(segment_id)
        value_maps.append(ValueMapChoices(map_name, segment_maps({segment_id: source})[map_name],
                                          dimension_values(ctx, source.label, departments), values))
    return MappingChoices(
        value_maps=value_maps,
        source_fields={"employees": field_paths(worker)},
    )
