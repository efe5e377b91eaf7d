"""A walk of every employee after an org unit moved (nested mode), stopped part-way by a Dayforce outage, is
resumed by the next run where it stopped: nobody is read or written twice, and everyone under the moved unit
ends with the new parents."""
import re
from collections import Counter

import pytest

from audit.models import AuditRecord
from connections.vendors.errors import VendorUnavailable
from syncs.engine import flow_context
from syncs.flows.dayforce_visma.streams import OrgUnitsRead
from syncs.models import Cursor, SyncRun
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401 (autouse)
from tests.e2e.test_dayforce_visma_journals import run
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.dayforce_nested import BERGEN, FRANCES, KEN, NORTH, OSLO, OSLO_ENG, OSLO_SALES, WEST, allocation, \
    nested_integration
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

PAGE = 3  # the twelve employees are four pages: 42100-02, 42103-05, 42106-08 (Frances), 42109-11 (Ken)
DETAILS = re.compile(r"/V1/Employees/(?P<xref>[^/]+)$")


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, dayforce, visma):
    integration = nested_integration(tenant_a, make_sandbox_connection, visma, page_size=PAGE)
    integration.streams = ["org_units", "employees"]  # the pay runs play no part in a walk
    integration.save(update_fields=["streams"])
    return integration


class OutageAfter:
    """Dayforce answers 503 to every call from the moment `details` more employee details were answered: the
    client's retries are spent and the run stops between two pages, as in a real outage."""

    def __init__(self, sandbox, details: int):
        self.app, self.faults, self.left = sandbox.app, sandbox.app["dayforce"].faults, details
        self.app.log.listeners.append(self.on_request)

    def on_request(self, entry) -> None:
        if entry.vendor == "dayforce" and entry.status == 200 and DETAILS.search(entry.path) and self.left > 0:
            self.left -= 1
            if not self.left:  # queued before this answer is sent, so before the next page is asked for
                self.faults.fail_next(100, status=503)

    def end(self) -> None:
        self.app.log.listeners.remove(self.on_request)
        self.faults.configure({"clear": True})


def details_read(sandbox, since: int) -> list[str]:
    """The XRefCodes whose details Dayforce answered, from request log entry `since` on."""
    entries = list(sandbox.app.log.entries)[since:]
    return sorted(DETAILS.search(e.path)["xref"] for e in entries  # read a few at a time, so in any order
                  if e.vendor == "dayforce" and e.status == 200 and DETAILS.search(e.path))


def employee_writes(sandbox, since: int) -> Counter:
    """Visma employee writes from request log entry `since` on, by path and body."""
    entries = list(sandbox.app.log.entries)[since:]
    return Counter((e.path, repr(e.body)) for e in entries
                   if e.vendor == "visma" and e.method in ("POST", "PUT") and "/employee" in e.path)


def interrupted_walk(integration, sandbox, *, details: int) -> SyncRun:
    """The run after the move, stopped by an outage once `details` employees were read."""
    outage = OutageAfter(sandbox, details)
    try:
        with pytest.raises(VendorUnavailable):
            run(integration)
    finally:
        outage.end()
    return SyncRun.objects.filter(integration=integration).latest("number")


def test_a_walk_after_a_move_stopped_mid_way_resumes_where_it_stopped(integration, dayforce, visma, sandbox):
    run(integration)
    cursor = Cursor.objects.get(integration=integration, stream="employees")
    before = dict(cursor.value)
    everyone = details_read(sandbox, 0)
    assert len(everyone) == 12

    dayforce.change("org_move", "OSL-SAL", parent="BGO")
    mark = len(sandbox.app.log.entries)
    stopped = interrupted_walk(integration, sandbox, details=3 * PAGE)  # three pages saved, Frances among them

    cursor.refresh_from_db()
    assert stopped.status == SyncRun.Status.FAILED
    assert cursor.value["hierarchy"] != before["hierarchy"] and cursor.value["since"] is None  # mid-walk
    done = details_read(sandbox, mark)
    assert done == everyone[:3 * PAGE]
    assert allocation(integration, visma, FRANCES) == [WEST, BERGEN, OSLO_SALES]
    assert allocation(integration, visma, KEN) == [NORTH, OSLO, OSLO_SALES]  # not reached yet

    resume = len(sandbox.app.log.entries)
    resumed = run(integration)

    assert resumed.status == SyncRun.Status.SUCCEEDED, resumed.error
    assert details_read(sandbox, resume) == everyone[3 * PAGE:]  # nobody done before the stop is read again
    assert allocation(integration, visma, FRANCES) == allocation(integration, visma, KEN) == [
        WEST, BERGEN, OSLO_SALES]
    assert allocation(integration, visma, "42100") == [NORTH, OSLO, OSLO_ENG]
    writes = employee_writes(sandbox, mark)
    assert sum(writes.values()) == 2 and set(writes.values()) == {1}  # Frances and Ken, once each
    updates = AuditRecord.objects.filter(run__in=[stopped, resumed], stream="employees",
                                         action=AuditRecord.Action.UPDATE)
    assert Counter(a.source_ref for a in updates) == {FRANCES: 1, KEN: 1}
    cursor.refresh_from_db()
    fingerprint = OrgUnitsRead(flow_context(integration=integration)).tree().fingerprint()
    assert cursor.value["hierarchy"] == fingerprint and cursor.value["since"]
    assert not {"after", "walk_started"} & set(cursor.value)  # the walk is over: the next run is a delta


def test_a_resumed_walk_does_not_rely_on_the_order_dayforce_answers_in(integration, dayforce, visma, sandbox):
    run(integration)
    dayforce.change("org_move", "OSL-SAL", parent="BGO")
    interrupted_walk(integration, sandbox, details=3 * PAGE)

    # Between the two attempts the search answers in another order (Dayforce promises none: §4.1) and someone
    # joins Oslo Sales. Resumed by position, the walk would read the first three of the new order again and
    # never reach Ken.
    dayforce.company.search_order = "reversed"
    hired = dayforce.change("hire", first="Lynn", last="Conway", org_unit="OSL-SAL", department="SAL", job="REP",
                            pay_group="NO-MONTHLY", pay=610_000)
    resume = len(sandbox.app.log.entries)
    resumed = run(integration)

    # Reached, the new hire is held as any Dayforce hire without a business email is; nobody else is.
    assert [(a.source_ref, a.reason) for a in AuditRecord.objects.filter(run=resumed).exclude(
        outcome=AuditRecord.Outcome.OK)] == [(hired, "required field 'email' is empty")]
    assert details_read(sandbox, resume) == ["42109", "42110", "42111", hired]
    assert allocation(integration, visma, FRANCES) == allocation(integration, visma, KEN) == [
        WEST, BERGEN, OSLO_SALES]
