"""The engine when something else is at work at the same time, against the Visma sandbox (customers_to_suppliers.py):
another run (the integration's lock), Visma's rate limit (a 429 with Retry-After), and an ERP user saving the
record between our read and our write (a 412, recovered by reading again)."""
import threading

import pytest

from syncs.engine import sync_run_create, sync_run_execute
from syncs.locks import lock_acquire
from syncs.models import IdMap, SyncRun
from tests.syncs.customers_to_suppliers import CUSTOMERS, customers, map_classes, run, suppliers
from tests.syncs.customers_to_suppliers import integration, visma  # noqa: F401  (fixtures)
from tests.syncs.flow_under_test import CustomersToSuppliers


def test_a_429_with_retry_after_is_honoured(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    visma.faults.fail_next(1, status=429, headers={"Retry-After": "1"},
                           body={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."})

    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED and result.created == CUSTOMERS
    statuses = [e.status for e in sandbox.app.log.filter(vendor="visma") if "/connect/" not in e.path]
    assert statuses[0] == 429 and statuses[1] == 200
    retried = sandbox.app.log.filter(vendor="visma")
    first_429 = next(e for e in retried if e.status == 429)
    after = next(e for e in retried if e.at > first_429.at and "/connect/" not in e.path)
    assert after.at - first_429.at >= 0.9  # waited Retry-After before the next call


def test_a_412_is_recovered_by_rereading(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    run(integration)
    number = customers(visma)[0]["number"]
    target = IdMap.objects.get(integration=integration, source_id=number).target_id
    sandbox.app.clock.advance(60)
    visma.modify("customer", number, name="Changed At Source AS")
    raced = []

    def someone_else_edits(current):
        if not raced:  # between our GET and PUT, an ERP user saves the supplier
            raced.append(True)
            visma.modify("supplier", target, vatRegistrationId="NO999999999MVA")

    CustomersToSuppliers.on_build = staticmethod(someone_else_edits)
    result = run(integration)

    assert result.status == SyncRun.Status.SUCCEEDED and result.updated == 1
    puts = [e.status for e in sandbox.app.log.filter(vendor="visma", method="PUT")]
    assert puts == [412, 204]
    supplier = visma.record("supplier", target)
    assert supplier["name"] == "Changed At Source AS" and supplier["vatRegistrationId"] == "NO999999999MVA"


def test_a_concurrent_run_is_refused_by_the_lock(integration, visma):
    map_classes(integration, "DOM", "EXP")
    held_by_another_worker = lock_acquire(integration_id=integration.pk)

    skipped = run(integration)

    assert skipped.status == SyncRun.Status.SKIPPED and "in progress" in skipped.error
    assert skipped.read == 0 and suppliers(visma) == []
    held_by_another_worker.release()
    assert run(integration).status == SyncRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_write_once(integration, visma, sandbox):
    map_classes(integration, "DOM", "EXP")
    visma.faults.slow_seconds = 0.05  # keep the first run busy while the second starts
    runs = [sync_run_create(integration=integration) for _ in range(2)]
    results = {}

    def go(r):
        from django.db import connection

        results[r.pk] = sync_run_execute(run=r).status
        connection.close()

    threads = [threading.Thread(target=go, args=(r,)) for r in runs]
    threads[0].start()
    threading.Event().wait(0.3)
    threads[1].start()
    for t in threads:
        t.join(60)

    assert sorted(results.values()) == [SyncRun.Status.SKIPPED, SyncRun.Status.SUCCEEDED]
    assert len(suppliers(visma)) == CUSTOMERS
