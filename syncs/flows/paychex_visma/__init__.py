"""Paychex Flex → Visma.net: workers → employees, organizations → Visma departments.

* Paychex notifies (hooks registered by `connection_webhooks_register`): a WORKER_MESSAGE names the worker,
  which is re-read by id with its assignment, organization and location (notification-only,
  docs/vendors/paychex.md §8) and written like a polled one. Notifications that repeat or arrive out of order
  re-read the worker's current state, so the latest state is written once (the engine skips unchanged content).
* The poll is the backstop: Paychex has no changed-since filter (§6), so every run compares all workers,
  paged by offset+limit (§5); the cursor is the next offset, so an interrupted run resumes where it stopped.
* A worker's organization becomes its Visma department through the value mapping `organization_to_department`,
  or, where none is set, the Visma department whose name or id is the organization's name (case and spacing
  ignored). A worker whose organization matches neither is held, with the organization's name, until mapped.
* Jobs (job-costing codes) and locations become Visma dimension values the same way, when the company turns
  them on (`job_segment`, `location_dimension`; dimensions.py); the organization hierarchy is followed
  through the parent links where `organization_parent_fallback` is on.
* Employee number = Paychex employeeId; ACTIVE → Active, anything else (TERMINATED, INACTIVE …) → Inactive.
"""
from __future__ import annotations

from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, MappingChoices, Stream, ValueMapChoices
from syncs.flows.paychex_visma.dimensions import (JOB_MAP, JOB_MAP_TITLE, LOCATION_MAP, LOCATION_MAP_TITLE,
                                                   ORGANIZATION_MAP, ORGANIZATION_MAP_TITLE)
from syncs.flows.paychex_visma.streams import Employees, Jobs, Locations, Organizations
from syncs.mapping import field_paths

FLOW = FlowSpec("paychex_visma", "Paychex Flex → Visma.net", "paychex", "visma",
                ("organizations", "jobs", "locations", "employees"), 60)


def build_streams(ctx: FlowContext) -> list[Stream]:
    return [Organizations(ctx), Jobs(ctx), Locations(ctx), Employees(ctx)]


def mapping_choices(ctx: FlowContext) -> MappingChoices:
    """For the setup wizard: Paychex organizations, jobs and locations beside the Visma values they can become
    (departments, the job segment's values, locations), and the fields of one real worker."""
    stream = Organizations(ctx)
    company = stream.company_id
    organizations = [(o["organizationId"], " / ".join(stream.organizations.path(o["organizationId"])))
                     for o in stream.organization_list()]
    departments = [(str(d["departmentId"]), labelled(d["departmentId"], d.get("description")))
                   for d in ctx.destination.list_departments() if d.get("departmentId")]
    value_maps = [ValueMapChoices(ORGANIZATION_MAP, ORGANIZATION_MAP_TITLE, organizations, departments)]
    if stream.job_segment is not None:
        jobs = [(j["jobId"], j.get("jobName") or j["jobId"]) for j in ctx.source.jobs(company)]
        values = [(v["valueId"], labelled(v["valueId"], v.get("description")))
                  for v in ctx.destination.list_cost_centers("SUBACCOUNT", stream.job_segment) if v.get("valueId")]
        value_maps.append(ValueMapChoices(JOB_MAP, JOB_MAP_TITLE, jobs, values))
    if stream.location_dimension:
        places = [(loc["locationId"], loc.get("name") or loc["locationId"]) for loc in ctx.source.locations(company)]
        locations = [(v["valueId"], labelled(v["valueId"], v.get("description")))
                     for v in ctx.destination.list_locations() if v.get("valueId")]
        value_maps.append(ValueMapChoices(LOCATION_MAP, LOCATION_MAP_TITLE, places, locations))
    workers, _ = next(iter(ctx.source.worker_pages(company, limit=1)), ([], None))
    return MappingChoices(value_maps=value_maps, source_fields={"employees": field_paths(workers[0] if workers else {})})


def labelled(value_id, description) -> str:
    return f"{value_id} – {description or ''}".rstrip(" –")
