"""Rippling App Shop → Visma end to end over real HTTP: the Rippling sandbox posts its form-encoded
employee.* notifications to the live test server's intake, the worker re-reads and writes
(docs/vendors/rippling.md §1, §8)."""
import pytest
from django.urls import reverse

from connections.installs import oauth_install_complete
from connections.models import Connection
from connections.vendors.rippling.oauth import REVOKED_HINT
from sandbox.vendors.rippling import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import InboundEvent, SyncRun
from syncs.services import integration_create
from syncs.tasks import integration_run_scheduled
from tests.e2e.test_rippling_visma import employee_of, map_all_departments

pytestmark = pytest.mark.django_db(transaction=True)
REDIRECT = "https://connector.example.com/admin/connections/connection/oauth/callback/"


@pytest.fixture
def installed(tenant_a, make_sandbox_connection, rippling, visma):
    """A Rippling → Visma integration whose source is an App Shop install, its departments mapped, synced once."""
    source = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling App Shop",
                                     credentials={"client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET})
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma (App Shop flow)")
    integration = integration_create(tenant=tenant_a, name="HR → ERP (App Shop)", flow_kind="rippling_visma", source=source,
                                     destination=destination, options={"page_size": 2}, enabled=True)
    code = rippling.install_code(OAUTH_CLIENT_ID, REDIRECT)["code"]
    assert oauth_install_complete(connection=source, code=code, redirect_uri=REDIRECT).ok
    map_all_departments(integration, rippling)
    first = sync_run_execute(run=sync_run_create(integration=integration))
    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    integration.refresh_from_db()
    return integration


def hooked(rippling, live_server, integration):
    rippling.register_webhook(live_server.url + reverse("inbound-hook", args=[integration.source.webhook_token]))


def worker_ids(rippling):
    return sorted(rippling.data["workers"].rows)


def employee_puts(sandbox):
    return [e for e in sandbox.app.log.filter(vendor="visma", method="PUT", path_contains="/v1/employee/")]


def test_a_burst_with_duplicates_writes_each_change_once(installed, rippling, sandbox, live_server, eager_tasks):
    hooked(rippling, live_server, installed)
    changed = worker_ids(rippling)[1:4]
    sandbox.app.log.clear()
    rippling.repeat_webhooks(len(changed), times=3)  # every notification arrives three times

    for n, worker_id in enumerate(changed):
        rippling.update_worker(worker_id, work_email=f"burst{n}@example.com")
    assert rippling.webhooks.wait_idle(30)

    assert [d.status for d in rippling.webhooks.deliveries] == [200] * 9
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() >= len(changed)
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.PROCESSED).exists()
    assert len(employee_puts(sandbox)) == len(changed)  # each change written once
    for n, worker_id in enumerate(changed):
        employee = employee_of(installed, sandbox.app["visma"], rippling.worker(worker_id)["user_id"])
        assert employee["contact"]["email"] == f"burst{n}@example.com"
    runs = SyncRun.objects.filter(integration=installed, trigger=SyncRun.Trigger.WEBHOOK)
    assert sum(run.updated for run in runs) == len(changed)


def test_a_dropped_webhook_is_repaired_by_the_backstop_poll(installed, rippling, sandbox, live_server, eager_tasks):
    hooked(rippling, live_server, installed)
    worker_id = worker_ids(rippling)[2]
    rippling.drop_webhooks(1)

    sandbox.app.clock.advance(60)
    rippling.update_worker(worker_id, work_email="lost.in.transit@example.com")
    assert rippling.webhooks.wait_idle(10)
    assert [d.dropped for d in rippling.webhooks.deliveries] == [True] and not InboundEvent.objects.exists()

    integration_run_scheduled(installed.pk)

    employee = employee_of(installed, sandbox.app["visma"], rippling.worker(worker_id)["user_id"])
    assert employee["contact"]["email"] == "lost.in.transit@example.com"
    backstop = SyncRun.objects.filter(integration=installed, trigger=SyncRun.Trigger.SCHEDULE).get()
    assert backstop.updated == 1


def test_an_install_polls_less_often_than_an_api_key(installed, integration):
    installed.periodic_task.refresh_from_db()
    assert installed.periodic_task.interval.every == 240  # webhooks carry the changes; the poll is the backstop
    assert integration.periodic_task.interval.every == integration.every_minutes == 15


def test_a_revoked_install_fails_the_run_in_plain_words(installed, rippling, sandbox):
    sandbox.app.clock.advance(129_600 + 60)  # the access token has expired: the next call refreshes
    rippling.terminate(worker_ids(rippling)[0], "2026-11-30")  # the admin who installed the app left

    run = sync_run_execute(run=sync_run_create(integration=installed))

    assert run.status == SyncRun.Status.FAILED
    assert REVOKED_HINT in run.error
    source = Connection.objects.get(pk=installed.source_id)
    assert source.status == Connection.Status.FAILED and REVOKED_HINT in source.last_error
