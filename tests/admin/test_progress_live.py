"""The progress bar moves during a run: the engine saves the run's counts with every page's checkpoint.

The run executes in a thread (as a worker would, with its own database connection) while the test
polls the progress endpoint like the dashboard's script does.
"""
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse

from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import SyncRun, ValueMapping
from tests.admin.conftest import departments

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_counts_move_page_by_page_during_a_run(client, owner, integration, rippling):
    for department in departments(rippling):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                    source_value=department["id"], target_value="IT")
    rippling.faults.slow_seconds = 0.3  # every Rippling page takes a while, as real ones do
    run = sync_run_create(integration=integration)

    def worker():
        try:
            sync_run_execute(run=run)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    client.force_login(owner)
    url = reverse("customer_admin:syncs_integration_progress", args=[integration.pk]) + f"?run={run.pk}"
    seen = []
    thread.start()
    while thread.is_alive():
        progress = client.get(url).json()["run"]
        seen.append((progress["status"], progress["read"]))
        time.sleep(0.05)
    thread.join()

    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    reads = [read for status, read in seen if status == SyncRun.Status.RUNNING]
    assert any(0 < read < run.read for read in reads), seen  # seen part-way, not only at the end
    assert reads == sorted(reads)
    assert client.get(url).json()["run"]["active"] is False
