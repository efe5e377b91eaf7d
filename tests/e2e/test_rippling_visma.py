"""Rippling → Visma.net end to end, over real HTTP to both sandboxes."""

from audit.models import AuditRecord
from sandbox.vendors.rippling import NO_SENSITIVE_API_KEY
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import FieldMapping, IdMap, PendingRecord, SyncRun, ValueMapping
from syncs.services import held_release, value_mapping_set

VISMA_DEPARTMENTS = ["IT", "HR", "SALES", "OPS", "FIN", "ADM"]


def departments(rippling):
    return sorted(rippling.data["departments"].rows.values(), key=lambda d: d["id"])


def map_all_departments(integration, rippling):
    for department, target in zip(departments(rippling), VISMA_DEPARTMENTS):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                    source_value=department["id"], target_value=target)


def workers(rippling):
    return list(rippling.data["workers"].rows.values())


def employees(visma):
    return list(visma.data.tables["employees"].ordered()[0])


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def employee_of(integration, visma, user_id):
    return visma.record("employee", IdMap.objects.get(integration=integration, stream="employees",
                                                      source_id=user_id).target_id)


def test_initial_load_then_delta(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)

    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    # Counts cover both streams: each department is linked once, each worker created once.
    assert first.created == len(workers(rippling)) + len(departments(rippling))
    assert len(employees(visma)) == len(workers(rippling))
    gets = sandbox.app.log.filter(vendor="rippling", method="GET", path_contains="/workers")
    assert gets[0].query["order_by"] == ["created_at"]  # a full sync orders by creation
    ada = workers(rippling)[0]
    employee = employee_of(integration, visma, ada["user_id"])
    assert employee["contact"]["email"] == ada["work_email"] and employee["status"] == "Active"

    sandbox.app.clock.advance(120)
    rippling.update_worker(ada["id"], work_email="grace@newmail.example.com")
    sandbox.app.log.clear()
    delta = run(integration)

    assert delta.updated == 1 and delta.created == 0
    query = sandbox.app.log.filter(vendor="rippling", method="GET", path_contains="/workers")[0].query
    assert query["order_by"] == ["updated_at"] and query["filter"][0].startswith("updated_at ge ")
    assert "'" not in query["filter"][0]  # dates are not quoted (quoting is a 400 at Rippling)
    assert employee_of(integration, visma, ada["user_id"])["contact"]["email"] == "grace@newmail.example.com"


def test_hire_terminate_rehire_is_one_visma_employee(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    run(integration)
    before = len(employees(visma))
    department = departments(rippling)[0]["id"]

    sandbox.app.clock.advance(60)
    hired = rippling.hire(given_name="Katherine", family_name="Johnson", department_id=department,
                          work_email="katherine@example.com", title="Analyst")
    assert run(integration).created == 1
    assert employee_of(integration, visma, hired["user_id"])["status"] == "Active"

    sandbox.app.clock.advance(60)
    rippling.terminate(hired["id"], "2026-11-30", "Moved abroad")
    terminated = run(integration)
    assert terminated.updated == 1
    assert employee_of(integration, visma, hired["user_id"])["status"] == "Inactive"

    sandbox.app.clock.advance(60)
    rippling.rehire(hired["id"], "2027-02-01", new_worker=True)  # a new worker record for the same person
    rehired = run(integration)
    assert rehired.created == 0 and rehired.updated == 1
    assert employee_of(integration, visma, hired["user_id"])["status"] == "Active"
    assert len(employees(visma)) == before + 1  # never a second employee


def test_unmapped_department_is_held_then_released(integration, rippling, visma, sandbox,
                                                   django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    run(integration)
    sandbox.app.clock.advance(60)
    research = rippling.add_department("Research")
    hired = rippling.hire(given_name="Dorothy", family_name="Vaughan", department_id=research["id"],
                          work_email="dorothy@example.com")

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL and result.held == 2  # the department and its employee
    pending = PendingRecord.objects.get(integration=integration, stream="employees", source_id=hired["user_id"])
    assert pending.status == PendingRecord.Status.HELD
    assert pending.missing_key == f"{DEPARTMENT_MAP}:{research['id']}"
    assert "department 'Research'" in pending.reason
    assert AuditRecord.objects.filter(run=result, action=AuditRecord.Action.HOLD, reason__contains="Research").exists()
    assert not IdMap.objects.filter(integration=integration, source_id=hired["user_id"]).exists()

    from mlconnector.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            value_mapping_set(integration=integration, map_name=DEPARTMENT_MAP, source_value=research["id"],
                              target_value="IT")
    finally:
        app.conf.task_always_eager = False

    assert employee_of(integration, visma, hired["user_id"])["department"] == "IT"
    assert not PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD).exists()
    assert held_release(integration=integration) is None


def test_redacted_fields_do_not_overwrite_visma(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    FieldMapping.objects.create(tenant=integration.tenant, integration=integration, stream="employees",
                                target_field="contact.phone3", source_field="date_of_birth")
    run(integration)
    ada = workers(rippling)[0]
    assert employee_of(integration, visma, ada["user_id"])["contact"]["phone3"] == ada["date_of_birth"]

    source = integration.source
    source.credentials = {"api_key": NO_SENSITIVE_API_KEY}
    source.save()
    sandbox.app.clock.advance(60)
    rippling.update_worker(ada["id"], title="Rear Admiral")
    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED
    assert employee_of(integration, visma, ada["user_id"])["contact"]["phone3"] == ada["date_of_birth"]
    hints = AuditRecord.objects.filter(run=result, reason__contains="Rippling hid")
    assert hints.count() == 1 and "date_of_birth" in hints.get().reason


def test_a_429_storm_is_honoured(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    rippling.limiter.limit = 2
    rippling.limiter.window = 1.0

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED
    assert len(employees(visma)) == len(workers(rippling))
    statuses = [e.status for e in sandbox.app.log.filter(vendor="rippling")]
    assert statuses.count(429) >= 2 and statuses[-1] == 200


def test_a_malformed_worker_is_quarantined_and_the_run_goes_on(integration, rippling, visma, sandbox):
    map_all_departments(integration, rippling)
    bad = rippling.inject_malformed_worker("missing_required")

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL
    assert result.failed == 1
    assert len(employees(visma)) == len(workers(rippling)) - 1
    quarantined = PendingRecord.objects.get(integration=integration, status=PendingRecord.Status.QUARANTINED)
    assert bad["id"] in quarantined.source_id or quarantined.source_id.startswith("unidentified:") or \
        quarantined.source_id == bad.get("user_id")
    assert AuditRecord.objects.filter(run=result, action=AuditRecord.Action.QUARANTINE).count() == 1


def test_an_existing_visma_employee_is_matched_not_duplicated(integration, rippling, visma, sandbox,
                                                              make_sandbox_connection):
    map_all_departments(integration, rippling)
    ada = workers(rippling)[0]
    client = make_sandbox_connection("visma", tenant=integration.tenant, name="Visma admin")
    from connections.vendors import get_vendor

    get_vendor("visma").client_for(client).create_employee({
        "employeeCd": str(ada["number"]), "department": "ADM", "employeeClass": "EMPDEF", "branch": "1",
        "calendar": "MAIN", "contact": {"firstName": "G.", "lastName": "Hopper", "email": "old@example.com"}})

    result = run(integration)

    assert result.failed == 0
    assert len(employees(visma)) == len(workers(rippling))
    assert employee_of(integration, visma, ada["user_id"])["contact"]["email"] == ada["work_email"]


def test_a_crash_after_visma_answered_is_reconciled_not_posted_again(integration, rippling, visma, sandbox):
    from syncs.engine import flow_context, flow_streams
    from syncs.flows.rippling_visma import Employees
    from syncs.models import WriteIntent

    class CrashingEmployees(Employees):
        crashes = 2

        def write_intent(self, intent):
            target = super().write_intent(intent)
            if type(self).crashes:  # Visma created the employee; the worker dies before our commit
                type(self).crashes -= 1
                raise RuntimeError("worker died after Visma answered")
            return target

    map_all_departments(integration, rippling)
    ctx = flow_context(integration=integration)
    streams = [s if s.name != "employees" else CrashingEmployees(ctx)
               for s in flow_streams(integration=integration, ctx=ctx)]
    try:
        sync_run_execute(run=sync_run_create(integration=integration), streams=streams)
    except RuntimeError:
        pass
    assert WriteIntent.objects.filter(integration=integration, state=WriteIntent.State.SENT).count() == 2

    rerun = run(integration)

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    assert len(employees(visma)) == len(workers(rippling))
    posts = sandbox.app.log.filter(vendor="visma", method="POST", path_contains="/v1/employee")
    assert len(posts) == len(workers(rippling)) and all(p.status == 201 for p in posts)  # 0 refused duplicates
    assert not WriteIntent.objects.filter(integration=integration).exclude(state=WriteIntent.State.CONFIRMED).exists()


def test_workers_named_by_an_event_are_fetched_and_written_without_moving_the_cursor(integration, rippling, visma):
    from syncs.engine import flow_context, flow_streams, records_process
    from syncs.models import Cursor

    map_all_departments(integration, rippling)
    employees_stream = next(s for s in flow_streams(integration=integration, ctx=flow_context(integration=integration))
                            if s.name == "employees")
    named = [w["id"] for w in workers(rippling)[:2]] + ["no-such-worker"]

    counts = records_process(run=sync_run_create(integration=integration, trigger=SyncRun.Trigger.WEBHOOK),
                             stream_name="employees", records=employees_stream.fetch_records(named))

    assert counts["created"] == 2 and counts["failed"] == 0
    assert len(employees(visma)) == 2
    assert not Cursor.objects.filter(integration=integration).exclude(value={}).exists()
