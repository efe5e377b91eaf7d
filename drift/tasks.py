"""Thin tasks: ids in, one service call. They run on the vendor's queue (mlconnector/routing.py), like syncs."""
from celery import shared_task
from django.conf import settings

from drift.models import DriftItem, DriftReport
from syncs.models import Integration


@shared_task(bind=True, name="drift.tasks.drift_report_task", acks_late=True)
def drift_report_task(self, report_id: int) -> str:
    """While a sync of the integration holds its lease the report waits (a Celery retry, not a sleep on the
    worker); after DRIFT_LEASE_RETRIES tries it ends SKIPPED."""
    from drift.services import IntegrationBusy, drift_report_run

    report = DriftReport.objects.select_related("integration__tenant").get(pk=report_id)
    if report.status != DriftReport.Status.QUEUED:
        return report.status  # a redelivery of a report that ran
    retries = settings.DRIFT_LEASE_RETRIES
    try:
        return drift_report_run(report=report, skip_if_busy=self.request.retries >= retries).status
    except IntegrationBusy as busy:
        raise self.retry(exc=busy, countdown=settings.DRIFT_LEASE_RETRY_SECONDS, max_retries=retries)


@shared_task(name="drift.tasks.drift_report_scheduled")
def drift_report_scheduled(integration_id: int) -> int | None:
    """Beat, per integration (weekly by default, syncs/schedules.py)."""
    from drift.services import drift_report_queue

    integration = Integration.objects.filter(pk=integration_id, enabled=True).first()
    if integration is None:
        return None
    return drift_report_queue(integration=integration, trigger=DriftReport.Trigger.SCHEDULE).pk


@shared_task(name="drift.tasks.drift_item_resync_task", acks_late=True)
def drift_item_resync_task(item_id: int) -> str:
    from drift.services import drift_item_resync

    item = DriftItem.objects.select_related("integration__tenant").get(pk=item_id)
    if item.state != DriftItem.State.RESYNCING:
        return item.state
    drift_item_resync(item=item, actor=item.fixed_by)
    return item.state
