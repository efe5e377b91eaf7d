"""Paychex Flex → Visma.net end to end, over real HTTP to both sandboxes: the backstop poll, notifications
delivered by the Paychex sandbox to the live server and written to Visma, and an unmapped organization held."""
import json

import pytest

from connections.services import connection_webhooks_register
from sandbox.vendors.paychex import DEMO_COMPANY_ID
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.paychex_visma import ORGANIZATION_MAP
from syncs.models import IdMap, InboundEvent, PendingRecord, SyncRun, ValueMapping
from syncs.services import held_release, integration_create
from tests.support.paychex import connection, paychex  # noqa: F401 (fixtures)
from tests.support.worker import wait_for

# Paychex organization → Visma department; "Company" stays unmapped, "Operations" matches OPS by name.
MAPPED = {"850002407928077": "SALES", "850002407928079": "IT", "850002407928081": "ADM", "850002407928090": "FIN"}
COMPANY_ORG, OPERATIONS_ORG = "850001539951646", "850002407928095"
TEAM_LEAD = "850038652"


@pytest.fixture
def integration(tenant_a, connection, make_sandbox_connection, visma):  # noqa: F811 (fixture parameter)
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    integration = integration_create(tenant=tenant_a, name="Payroll → ERP", flow_kind="paychex_visma",
                                     source=connection, destination=destination, enabled=True,
                                     options={"page_size": 3})
    for organization, department in MAPPED.items():
        ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=ORGANIZATION_MAP,
                                    source_value=organization, target_value=department)
    return integration


@pytest.fixture
def hooked(settings, live_server, integration, eager_tasks):
    """After a first poll, our live server's intake URL is registered at Paychex; notifications run inline."""
    run(integration)
    settings.SITE_URL = live_server.url
    connection_webhooks_register(connection=integration.source)
    return integration


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def workers(paychex):  # noqa: F811
    return list(paychex.company_data[DEMO_COMPANY_ID]["workers"].values())


def employee_of(integration, visma, worker_id):
    return visma.record("employee", IdMap.objects.get(integration=integration, stream="employees",
                                                      source_id=worker_id).target_id)


def employee_puts(sandbox):
    return sandbox.app.log.filter(vendor="visma", method="PUT", path_contains="/employee/")


@pytest.mark.django_db(transaction=True)
def test_the_poll_writes_every_worker_and_the_next_compare_writes_nothing(integration, paychex, visma, sandbox):
    first = run(integration)

    assert first.status == SyncRun.Status.PARTIAL, first.error  # the top "Company" organization is unmapped
    assert len(visma.data.tables["employees"].ordered()[0]) == 7
    paul = employee_of(integration, visma, workers(paychex)[2]["workerId"])
    assert (paul["employeeNumber"], paul["contact"]["lastName"], paul["department"]) == ("105", "Walker", "ADM")
    assert paul["contact"]["email"] == "paul.walker@example.com" and paul["status"] == "Active"
    pages = sandbox.app.log.filter(vendor="paychex", path_contains="/workers")
    assert [e.query["offset"] for e in pages] == [["0"], ["3"], ["6"]]

    sandbox.app.log.clear()
    again = run(integration)

    assert (again.created, again.updated) == (0, 0)
    assert sandbox.app.log.filter(vendor="visma", writes_only=True) == []


@pytest.mark.django_db(transaction=True)
def test_notifications_reach_visma_each_worker_written_once_with_the_latest_data(
        hooked, integration, paychex, visma, sandbox):
    paul, ada = workers(paychex)[2]["workerId"], workers(paychex)[6]["workerId"]
    paychex.dispatcher.duplicate = paychex.dispatcher.out_of_order = True
    sandbox.app.log.clear()

    paychex.job_change(paul, job_title_id=TEAM_LEAD)
    paychex.org_move(paul, organization_id=OPERATIONS_ORG)
    paychex.terminate(ada, effective_date="2026-12-31T00:00:00Z")
    assert paychex.dispatcher.release() == 6  # three notifications, each twice, newest first
    assert paychex.dispatcher.flush()

    wait_for(lambda: InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == 3, timeout=20,
             message="three distinct notifications processed")
    assert InboundEvent.objects.count() == 3  # the duplicates were deduped on notificationId
    assert all(d["status"] == 200 for d in paychex.dispatcher.deliveries)
    assert employee_of(integration, visma, paul)["department"] == "OPS"  # no mapping: matched by name
    # The job title is sent (the sandbox's EmployeeDto keeps no title, so it is checked on the wire).
    assert "Team Lead" in json.dumps([e.body for e in employee_puts(sandbox)])
    assert employee_of(integration, visma, ada)["status"] == "Inactive"
    puts = [e.path.rsplit("/", 1)[1] for e in employee_puts(sandbox)]
    assert sorted(puts) == sorted(["105", "23"])  # one write per worker: the later notifications changed nothing


@pytest.mark.django_db(transaction=True)
def test_a_worker_moved_to_an_unmapped_organization_is_held_then_released(integration, paychex, visma):
    run(integration)
    worker_id = workers(paychex)[0]["workerId"]
    paychex.org_move(worker_id, organization_id=COMPANY_ORG)

    held = run(integration)

    assert held.status == SyncRun.Status.PARTIAL
    pending = PendingRecord.objects.get(integration=integration, stream="employees", source_id=worker_id)
    assert pending.status == PendingRecord.Status.HELD
    assert pending.missing_key == f"{ORGANIZATION_MAP}:{COMPANY_ORG}"
    assert "organization 'Company'" in pending.reason
    assert employee_of(integration, visma, worker_id)["department"] == "IT"  # unchanged meanwhile

    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=ORGANIZATION_MAP,
                                source_value=COMPANY_ORG, target_value="HR")
    held_release(integration=integration)

    assert employee_of(integration, visma, worker_id)["department"] == "HR"
    assert not PendingRecord.objects.filter(integration=integration, stream="employees",
                                            status=PendingRecord.Status.HELD).exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_notification_was_lost_is_repaired_by_the_next_compare(integration, paychex, visma, sandbox):
    run(integration)
    worker_id = workers(paychex)[1]["workerId"]
    paychex.org_move(worker_id, organization_id="850002407928090")  # no hook registered: nobody is told
    sandbox.app.log.clear()

    repaired = run(integration)

    assert (repaired.created, repaired.updated) == (0, 1)
    assert employee_of(integration, visma, worker_id)["department"] == "FIN"
    assert [e.path.rsplit("/", 1)[1] for e in employee_puts(sandbox)] == ["3"]


@pytest.mark.django_db(transaction=True)
def test_a_token_that_dies_mid_burst_is_renewed_and_every_notification_applied(
        hooked, integration, paychex, visma, sandbox):
    sandbox.app.log.clear()
    paychex.faults.revoke_tokens_after = paychex.api_calls + 3  # Paychex drops the token a few reads in
    moved = [w["workerId"] for w in workers(paychex)[:4]]

    for worker_id in moved:
        paychex.org_move(worker_id, organization_id="850002407928090")
    assert paychex.dispatcher.flush()

    wait_for(lambda: InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == 4, timeout=20,
             message="four notifications processed")
    assert {employee_of(integration, visma, w)["department"] for w in moved} == {"FIN"}
    statuses = [e.status for e in sandbox.app.log.filter(vendor="paychex", method="GET")]
    assert 401 in statuses  # the token did die, and was renewed once
    assert len(sandbox.app.log.filter(vendor="paychex", method="POST", path_contains="/auth/")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_wizard_offers_paychex_organizations_and_visma_departments(integration):
    from syncs.engine import flow_context
    from syncs.flows.paychex_visma import mapping_choices

    choices = mapping_choices(flow_context(integration=integration))

    [organizations] = choices.value_maps  # jobs and locations are offered once the options turn them on
    assert (organizations.map_name, organizations.label) == (ORGANIZATION_MAP, "Paychex organization → Visma department")
    # Each organization is shown with its place in the hierarchy, read from the parent links.
    assert ("850002407928095", "Company / 2 South Division / Operations") in organizations.source_values
    assert ("OPS", "OPS – Operations") in organizations.target_values
    assert "name.familyName" in choices.source_fields["employees"]


@pytest.mark.django_db(transaction=True)
def test_a_visma_edit_racing_a_notification_is_reread_and_both_changes_kept(hooked, integration, paychex, visma,
                                                                             sandbox):
    paul = workers(paychex)[2]["workerId"]
    visma.edit_before_next_put("employee", "105", employeeLogin="paul.w")  # someone saves Paul in Visma meanwhile
    sandbox.app.log.clear()

    paychex.org_move(paul, organization_id="850002407928090")
    assert paychex.dispatcher.flush()
    wait_for(lambda: InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == 1, timeout=20,
             message="the notification processed")

    assert [e.status for e in employee_puts(sandbox)] == [412, 204]  # If-Match stale: re-read, re-applied
    employee = employee_of(integration, visma, paul)
    assert (employee["department"], employee["employeeLogin"]) == ("FIN", "paul.w")
