"""The two calls the rest of the project makes: a run finished, a connection was tested.

Each queues `notifications.tasks` after the surrounding transaction commits and returns at once.
Nothing here may break a sync: every error is logged and swallowed.
"""
from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def run_finished(*, run_id: int, integration_id: int, status: str, dry_run: bool = False) -> None:
    """Called by the engine when a run ends for good (not when Celery will retry it)."""
    from syncs.models import SyncRun

    if dry_run or status == SyncRun.Status.SKIPPED:
        return
    _after_commit(lambda: _queue_run(run_id, integration_id, status))


def connection_tested(*, connection_id: int, ok: bool) -> None:
    _after_commit(lambda: _queue_connection(connection_id, ok))


def journal_waiting(*, approval_id: int) -> None:
    """A journal was put up for approval (syncs/approvals.py): its approvers are e-mailed once."""
    _after_commit(lambda: _queue_journal(approval_id))


def _queue_journal(approval_id: int) -> None:
    from notifications.tasks import journal_waiting_task

    try:
        journal_waiting_task.delay(approval_id)
    except Exception:
        logger.exception("Could not queue the notification for journal approval %s", approval_id)


def _after_commit(callback) -> None:
    try:
        transaction.on_commit(callback, robust=True)
    except Exception:
        logger.exception("Could not schedule a notification")


def _queue_run(run_id: int, integration_id: int, status: str) -> None:
    from notifications.selectors import failure_streak_open
    from notifications.tasks import run_notify_task
    from syncs.models import SyncRun

    try:
        # A run that simply worked is news only after a failure streak: most runs cost one query, no task.
        if status == SyncRun.Status.SUCCEEDED and not failure_streak_open(integration_id=integration_id):
            return
        run_notify_task.delay(run_id)
    except Exception:
        logger.exception("Could not queue the notification for run %s", run_id)


def _queue_connection(connection_id: int, ok: bool) -> None:
    from notifications.selectors import failure_streak_open
    from notifications.tasks import connection_notify_task

    try:
        if ok and not failure_streak_open(connection_id=connection_id):
            return
        connection_notify_task.delay(connection_id)
    except Exception:
        logger.exception("Could not queue the notification for connection %s", connection_id)
