"""Per-vendor queues: a sync run is routed by the vendor at the integration's non-Visma end."""
import pytest
from django.conf import settings

from mlconnector.celery import app
from mlconnector.routing import SYNC_TASK, run_vendor
from syncs.engine import sync_run_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vendor_queues(settings):
    settings.SYNC_VENDOR_QUEUES = True  # as in production (the test suite turns it off for its private queues)


def route(name, args, **options):
    return app.amqp.router.route(options, name, args, {})


def test_it_sends_a_sync_run_to_its_vendors_queue(integration):
    run = sync_run_create(integration=integration)
    assert route(SYNC_TASK, [run.pk])["queue"].name == "sync.rippling"


def test_a_drift_report_and_its_re_syncs_go_to_the_same_vendor_queue(integration):
    from drift.models import DriftItem
    from drift.services import drift_report_create

    report = drift_report_create(integration=integration)
    item = DriftItem.objects.create(tenant=integration.tenant, report=report, integration=integration,
                                    stream="employees", kind=DriftItem.Kind.MISSING, fingerprint="-")
    assert route("drift.tasks.drift_report_task", [report.pk])["queue"].name == "sync.rippling"
    assert route("drift.tasks.drift_item_resync_task", [item.pk])["queue"].name == "sync.rippling"


def test_it_keeps_a_queue_the_caller_chose_and_other_tasks_on_the_default(integration):
    run = sync_run_create(integration=integration)
    assert route(SYNC_TASK, [run.pk], queue="elsewhere")["queue"].name == "elsewhere"
    assert route("syncs.tasks.runs_reap", [])["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_it_names_a_flow_by_its_end_that_is_not_visma():
    assert run_vendor("rippling", "visma") == "rippling"
    assert run_vendor("visma", "powerbi") == "powerbi"
    assert run_vendor("visma", "visma") == "visma"


def test_every_vendor_queue_is_declared_so_a_worker_without_q_consumes_it():
    from connections.vendors import all_vendors

    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert {f"sync.{vendor.kind}" for vendor in all_vendors()} | {settings.CELERY_TASK_DEFAULT_QUEUE} == declared
