"""Paychex jobs, locations and the organization hierarchy → Visma dimension values, over real HTTP to both
sandboxes: matched by name (case and spacing ignored) with explicit mappings first, an unknown value held
until mapped and then released, a child organization taking its parent's department where the company
asks for that, and a cycle in the source's hierarchy held, not crashed on."""
import pytest

from sandbox.vendors.paychex import DEMO_COMPANY_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.paychex_visma import JOB_MAP, LOCATION_MAP, ORGANIZATION_MAP
from audit.models import AuditRecord
from syncs.models import IdMap, PendingRecord, SyncRun, ValueMapping
from syncs.services import held_release, integration_create
from tests.support.paychex import connection, paychex  # noqa: F401 (fixtures)

MAPPED = {"850002407928077": "SALES", "850002407928079": "IT", "850002407928081": "ADM", "850002407928090": "FIN",
          "850001539951646": "HR"}
ADMINISTRATION, BRANCH = "850002407928081", "850002407928079"
JOB_A, JOB_B = "970001557916902", "970001557916904"
DEFAULT_LOCATION, LOCATION_1, LOCATION_2 = "970000082973090", "970000106981852", "970001451713467"


def make_integration(tenant, source, destination, options, mapped=MAPPED):
    integration = integration_create(tenant=tenant, name="Payroll → ERP", flow_kind="paychex_visma", source=source,
                                     destination=destination, enabled=True, options=options)
    for organization, department in mapped.items():
        mapping_set(integration, ORGANIZATION_MAP, organization, department)
    return integration


def mapping_set(integration, map_name, source_value, target_value):
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=map_name,
                                source_value=source_value, target_value=target_value)


def reference(paychex, name):  # noqa: F811
    return paychex.company_data[DEMO_COMPANY_ID]["reference"][name]


def workers(paychex):  # noqa: F811
    return list(paychex.company_data[DEMO_COMPANY_ID]["workers"].values())


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def employee_of(integration, visma, worker_id):
    return visma.record("employee", IdMap.objects.get(integration=integration, stream="employees",
                                                      source_id=worker_id).target_id)


def held(integration, stream):
    return {p.source_id: p for p in PendingRecord.objects.filter(integration=integration, stream=stream,
                                                                 status=PendingRecord.Status.HELD)}


@pytest.fixture
def visma_connection(tenant_a, make_sandbox_connection, visma):
    return make_sandbox_connection("visma", tenant=tenant_a, name="Visma")


@pytest.mark.django_db(transaction=True)
def test_jobs_and_locations_become_visma_values_by_mapping_or_by_name(tenant_a, connection, visma_connection,
                                                                      paychex, visma):
    # Job B is called "  bergen " at Paychex: Visma's cost centre 1100 is "Bergen" (case and spacing ignored).
    next(j for j in reference(paychex, "jobs") if j["jobId"] == JOB_B)["jobName"] = "  bergen "
    next(loc for loc in reference(paychex, "locations") if loc["locationId"] == LOCATION_2)["name"] = "REMOTE"
    integration = make_integration(tenant_a, connection, visma_connection,
                                   {"job_segment": 2, "location_dimension": True})
    mapping_set(integration, JOB_MAP, JOB_A, "1000")  # an explicit mapping wins over any name
    mapping_set(integration, LOCATION_MAP, LOCATION_1, "OSLO")
    mapping_set(integration, LOCATION_MAP, DEFAULT_LOCATION, "HQ")

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    for worker in workers(paychex):
        employee = employee_of(integration, visma, worker["workerId"])
        segment = {s["segmentId"]: s["segmentValue"] for s in employee["subaccount"]}[2]
        assert segment == {JOB_A: "1000", JOB_B: "1100"}[worker["jobId"]]
        place = {DEFAULT_LOCATION: "HQ", LOCATION_1: "OSLO", LOCATION_2: "REMOTE"}[worker["locationId"]]
        assert employee["location"]["id"] == place
    assert IdMap.objects.get(integration=integration, stream="jobs", source_id=JOB_B).target_id == "1100"
    assert IdMap.objects.get(integration=integration, stream="locations", source_id=LOCATION_2).target_id == "REMOTE"


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_an_unknown_job_is_held_with_its_name_then_released_when_mapped(
        tenant_a, connection, visma_connection, paychex, visma):
    integration = make_integration(tenant_a, connection, visma_connection, {"job_segment": 2})
    mapping_set(integration, JOB_MAP, JOB_A, "1000")
    on_b = [w["workerId"] for w in workers(paychex) if w["jobId"] == JOB_B]

    first = run(integration)

    assert first.status == SyncRun.Status.PARTIAL
    assert set(held(integration, "employees")) == set(on_b)
    pending = held(integration, "employees")[on_b[0]]
    assert pending.missing_key == f"{JOB_MAP}:{JOB_B}" and "job 'My job B'" in pending.reason
    assert JOB_B in held(integration, "jobs")  # flagged in the reference list too, before anyone needs it
    assert not IdMap.objects.filter(integration=integration, stream="employees", source_id__in=on_b).exists()

    mapping_set(integration, JOB_MAP, JOB_B, "1200")
    held_release(integration=integration)

    for worker_id in on_b:
        allocation = employee_of(integration, visma, worker_id)["subaccount"]
        assert {s["segmentId"]: s["segmentValue"] for s in allocation}[2] == "1200"
    assert not held(integration, "employees")


@pytest.mark.django_db(transaction=True)
def test_an_unmapped_organization_takes_its_nearest_mapped_parent_where_the_company_asks(
        tenant_a, connection, visma_connection, paychex, visma):
    # "1 Administration" is unmapped, and its name matches no Visma department.
    mapped = {k: v for k, v in MAPPED.items() if k != ADMINISTRATION}
    strict = make_integration(tenant_a, connection, visma_connection, {}, mapped)
    in_admin = [w["workerId"] for w in workers(paychex) if w["organization"]["organizationId"] == ADMINISTRATION]

    run(strict)
    assert set(in_admin) <= set(held(strict, "employees"))  # without the fallback: held, never guessed

    strict.delete()
    rollup = make_integration(tenant_a, connection, visma_connection, {"organization_parent_fallback": True}, mapped)
    result = run(rollup)

    assert result.status == SyncRun.Status.SUCCEEDED, result.error
    assert {employee_of(rollup, visma, w)["department"] for w in in_admin} == {"IT"}  # "1 Branch 1 - north"'s
    audit = AuditRecord.objects.filter(integration=rollup, stream="organizations", source_ref=ADMINISTRATION).first()
    assert audit.payload["via"] == "parent '1 Branch 1 - north'"
    assert audit.payload["path"] == "Company / 1 North Division / 1 Branch 1 - north / 1 Administration"


@pytest.mark.django_db(transaction=True)
def test_a_cycle_in_the_organization_hierarchy_is_held_and_the_run_goes_on(tenant_a, connection, visma_connection,
                                                                           paychex, visma):
    organizations = {o["organizationId"]: o for o in reference(paychex, "organizations")}
    organizations[ADMINISTRATION]["parentId"] = ADMINISTRATION  # points at itself
    organizations[BRANCH]["parentId"] = ADMINISTRATION  # and the branch above it points back down
    mapped = {k: v for k, v in MAPPED.items() if k not in (ADMINISTRATION, BRANCH)}
    integration = make_integration(tenant_a, connection, visma_connection, {"organization_parent_fallback": True},
                                   mapped)

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL
    assert {ADMINISTRATION, BRANCH} <= set(held(integration, "organizations"))
    others = [w["workerId"] for w in workers(paychex)
              if w["organization"]["organizationId"] not in (ADMINISTRATION, BRANCH)]
    assert all(IdMap.objects.filter(integration=integration, stream="employees", source_id=w).exists() for w in others)
