"""kill -9 of a real worker the instant monday.com made an item (after monday applied create_item, before its
answer reached the worker): the reaper resumes the run, the unknown create is looked up by the item's key column
and confirmed, so every Visma supplier invoice is exactly one item and no create is sent twice."""
import threading
import time

import pytest

from connections.services import connection_create
from demo.setup import sandbox_connection_fields
from mlconnector.celery import app as celery_app
from syncs.models import IdMap, SyncRun
from syncs.services import integration_create
from tests.support.chaos import DEAD_WORKER_ENV, reaper, run_queue, run_resume, runs_until_finished
from tests.support.monday_board import OPERATION, board_named, items_by_key
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
INVOICES = 30
KILL_AT = (3, 17)  # the n-th item monday makes


class KillOnItemCreate:
    """From the sandbox's request log, called before the answer is sent: the item exists, the worker never hears."""

    def __init__(self, app, worker):
        self.app, self.worker, self.creates, self.kills = app, worker, 0, []
        self.fired = threading.Event()
        app.log.listeners.append(self.on_request)

    def on_request(self, entry):
        body = entry.body if isinstance(entry.body, dict) else {}
        named = OPERATION.match(str(body.get("query", "")))
        if entry.vendor != "monday" or not named or named.group(1) != "ItemCreate" or entry.status != 200:
            return
        self.creates += 1
        if self.creates in KILL_AT:
            self.worker.kill()
            self.kills.append(self.creates)
            self.fired.set()

    def close(self):
        self.app.log.listeners.remove(self.on_request)


def killed(switch, seconds: float = 120) -> bool:
    """Wait for the kill; meanwhile beat's reaper runs here (it resumes the run the last kill abandoned)."""
    deadline = time.monotonic() + seconds
    while not switch.fired.wait(0.5):
        reaper()()
        if time.monotonic() > deadline:
            return False
    return True


def test_a_worker_killed_the_instant_monday_made_an_item_leaves_no_duplicate(sandbox, tenant_a, dead_worker_settings):
    app = sandbox.app
    app["visma"].seed(employees=0, customers=0, suppliers=4, supplier_invoices=INVOICES, customer_invoices=0,
                      purchase_orders=0, payments=0, journal_transactions=0)
    source = connection_create(tenant=tenant_a, name="Visma", **sandbox_connection_fields("visma", sandbox.url))
    destination = connection_create(tenant=tenant_a, name="monday", **sandbox_connection_fields("monday", sandbox.url))
    integration = integration_create(tenant=tenant_a, name="AP board", flow_kind="visma_monday", source=source,
                                     destination=destination, streams=["supplier_invoices"])
    worker = WorkerProcess(extra_env={**DEAD_WORKER_ENV, "VENDOR_HTTP_TIMEOUT": "5"})
    switch = KillOnItemCreate(app, worker)
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = worker.queue  # the reaper's resumptions go to this worker too
    try:
        run = run_queue(integration)
        worker.start()
        for _ in KILL_AT:
            assert killed(switch), "the worker never made the item it was to die on"
            switch.fired.clear()
            time.sleep(0.2)
            worker.start()
            assert run_resume(run_id=run.pk) == "reaper"
        status = runs_until_finished(integration_id=integration.pk, run_id=run.pk, deadline=time.monotonic() + 180)
    finally:
        celery_app.conf.task_default_queue = previous_queue
        switch.close()
        worker.close()

    assert status == SyncRun.Status.SUCCEEDED and switch.kills == list(KILL_AT)
    items = items_by_key(app["monday"], board_named(app["monday"], "Visma documents"))
    assert len(items) == INVOICES
    assert [k for k, found in items.items() if len(found) > 1] == []  # no duplicate item
    assert switch.creates == INVOICES  # the two the killed worker never heard of were found, not made again
    assert IdMap.objects.filter(integration=integration, stream="supplier_invoices").count() == INVOICES
