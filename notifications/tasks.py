"""Thin tasks: ids in, one service call. Delivery failures are recorded on the notification, not retried."""
from celery import shared_task

from notifications.selectors import connection_for_notice
from notifications.services import connection_outcome_notify, journal_waiting_notify, run_outcome_notify
from syncs.models import JournalApproval, SyncRun


@shared_task(name="notifications.tasks.run_notify_task")
def run_notify_task(run_id: int) -> int:
    run = (SyncRun.objects.select_related("integration__tenant", "integration__source", "integration__destination")
           .filter(pk=run_id).first())
    if run is None:
        return 0
    return len(run_outcome_notify(run=run))


@shared_task(name="notifications.tasks.connection_notify_task")
def connection_notify_task(connection_id: int) -> int:
    connection = connection_for_notice(connection_id=connection_id)
    if connection is None:
        return 0
    return 1 if connection_outcome_notify(connection=connection) else 0


@shared_task(name="notifications.tasks.journal_waiting_task")
def journal_waiting_task(approval_id: int) -> int:
    approval = JournalApproval.objects.filter(pk=approval_id).first()
    if approval is None:
        return 0
    return 1 if journal_waiting_notify(approval=approval) else 0
