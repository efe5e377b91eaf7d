"""Telling a tenant what broke: failure notifications, rate limited per integration (or connection) and kind.

    problem ──► throttle row (locked) ── sent within the window? ──► SUPPRESSED, counted
                                      └─ no ──► SENDING ──► e-mail + webhook ──► SENT / FAILED
    a run that got through after a failure streak ──► one RECOVERED message, and the limit starts afresh

The decision is made under a row lock in one short transaction; e-mail and webhook are sent after it,
so a slow SMTP server never holds a lock. Called from `notifications.tasks`, never from a request.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connections.models import Connection, Tenant
from notifications.delivery import Rendered, deliver, render
from notifications.messages import (
    Message,
    connection_failed_message,
    connection_recovered_message,
    drift_found_message,
    journal_waiting_message,
    records_failed_message,
    records_held_message,
    run_failed_message,
    run_recovered_message,
    sample_message,
)
from notifications.models import Kind, Notification, NotificationSettings, NotificationThrottle
from notifications.selectors import (
    notification_recipients,
    notification_settings_for,
    run_failed_records,
    run_new_holds,
    run_superseded,
)
from syncs.models import Integration, JournalApproval, SyncRun

logger = logging.getLogger(__name__)


def run_outcome_notify(*, run: SyncRun) -> list[Notification]:
    """Tell the tenant what a finished run means: it failed, it held or failed records, or it recovered."""
    if run.dry_run or run.status not in (SyncRun.Status.FAILED, SyncRun.Status.PARTIAL, SyncRun.Status.SUCCEEDED):
        return []
    integration = run.integration
    prefs = notification_settings_for(tenant=integration.tenant)
    notifications = []
    if run.status != SyncRun.Status.FAILED:
        notifications.append(_recovery_notify(
            prefs=prefs, kind=Kind.RUN_FAILED, integration=integration, run=run,
            build=lambda streak: run_recovered_message(run, **streak)))
    elif run_superseded(run=run):
        logger.info("Run %s failed, but a later run of integration %s got through; not reported.", run.pk,
                    integration.pk)
    else:
        notifications.append(_problem_notify(prefs=prefs, message=run_failed_message(run), integration=integration,
                                             run=run, streak=True))
    if prefs.notify_records:
        holds = run_new_holds(run=run)
        if holds:
            notifications.append(_problem_notify(prefs=prefs, message=records_held_message(run, holds),
                                                 integration=integration, run=run))
        failures = run_failed_records(run=run)
        if failures:
            notifications.append(_problem_notify(prefs=prefs, message=records_failed_message(run, failures),
                                                 integration=integration, run=run))
    return [n for n in notifications if n is not None]


def drift_found_notify(*, report) -> Notification:
    """A drift report found differences: one notice per integration and rate-limit window."""
    prefs = notification_settings_for(tenant=report.tenant)
    return _problem_notify(prefs=prefs, message=drift_found_message(report), integration=report.integration)


def journal_waiting_notify(*, approval: JournalApproval) -> Notification | None:
    """E-mail the approvers of a journal that waits for them, once per journal (a redelivered task, a second
    worker: the row lock and `notified_at` decide), and never one already decided. Not rate limited: each
    waiting journal is its own news."""
    from syncs.approvals import approvers

    with transaction.atomic():
        approval = JournalApproval.objects.select_for_update().select_related("integration__tenant").get(pk=approval.pk)
        if approval.notified_at is not None or approval.status != JournalApproval.Status.PENDING:
            return None
        approval.notified_at = timezone.now()
        approval.save(update_fields=["notified_at"])
        recipients = list(dict.fromkeys(u.email.strip() for u in approvers(approval) if u.email.strip()))
        # Nobody but the configurer may decide (a one-owner company): tell the owners and admins that a second
        # person is needed, or the journal would wait unseen.
        message = journal_waiting_message(approval, nobody_may_approve=not recipients)
        recipients = recipients or notification_recipients(tenant=approval.integration.tenant)
        rendered = render(message, tenant=approval.integration.tenant)
        notification = Notification.objects.create(
            tenant_id=approval.tenant_id, integration=approval.integration, kind=message.kind,
            status=Notification.Status.SENDING, subject=rendered.subject, text=rendered.text)
    deliver(notification=notification, message=message, rendered=rendered,
            prefs=notification_settings_for(tenant=approval.integration.tenant), recipients=recipients, suppressed=0)
    notification.refresh_from_db()
    return notification


def connection_outcome_notify(*, connection: Connection) -> Notification | None:
    """After a connection test: a failure is a problem; a pass after failures is a recovery."""
    prefs = notification_settings_for(tenant=connection.tenant)
    if connection.status == Connection.Status.FAILED:
        return _problem_notify(prefs=prefs, message=connection_failed_message(connection), connection=connection,
                               streak=True)
    if connection.status == Connection.Status.OK:
        return _recovery_notify(prefs=prefs, kind=Kind.CONNECTION_FAILED, connection=connection,
                                build=lambda streak: connection_recovered_message(
                                    connection, failing_since=streak["failing_since"],
                                    failures=streak["failures"]))
    return None  # changed since the test (untested again): nothing to say


def notification_test_send(*, tenant: Tenant) -> Notification:
    """Send a test message through the tenant's channels now (not rate limited)."""
    prefs = notification_settings_for(tenant=tenant)
    message = sample_message(tenant)
    rendered = render(message, tenant=tenant)
    notification = Notification.objects.create(tenant=tenant, kind=message.kind, status=Notification.Status.SENDING,
                                               subject=rendered.subject, text=rendered.text)
    _send(notification, message, rendered, prefs)
    return notification


@transaction.atomic
def notification_settings_save(*, tenant: Tenant, email_enabled: bool, notify_records: bool, window_minutes: int,
                               webhook_url: str, webhook_secret: str = "") -> NotificationSettings:
    """Create or change a tenant's settings. A blank secret keeps the stored one (secrets are write-only)."""
    prefs = (NotificationSettings.objects.select_for_update().filter(tenant=tenant).first()
             or NotificationSettings(tenant=tenant))
    prefs.email_enabled, prefs.notify_records = email_enabled, notify_records
    prefs.window_minutes, prefs.webhook_url = window_minutes, webhook_url
    if webhook_secret:
        prefs.webhook_secret = webhook_secret
    prefs.full_clean(exclude=["tenant"])
    prefs.save()
    return prefs


# --- the rate limit -------------------------------------------------------------------------------

def _send(notification: Notification, message: Message, rendered: Rendered, prefs: NotificationSettings,
          suppressed: int = 0) -> bool:
    """Deliver outside any lock, then reload the notification so the caller sees the outcome."""
    delivered = deliver(notification=notification, message=message, rendered=rendered, prefs=prefs,
                        recipients=notification_recipients(tenant=notification.tenant), suppressed=suppressed)
    notification.refresh_from_db()
    return delivered


def _subject(integration: Integration | None, connection: Connection | None) -> dict:
    return {"integration": integration} if integration is not None else {"connection": connection}


def _locked(throttle: NotificationThrottle) -> NotificationThrottle:
    """Lock the row until the surrounding transaction ends; a second worker waits here, then reads fresh.

    Write first, then read: on PostgreSQL the UPDATE takes the row lock (select_for_update says so
    again); SQLite ignores select_for_update, but its first write takes the single database write
    lock, and as nothing was read before it in this transaction, waiting for it cannot deadlock.
    """
    NotificationThrottle.objects.filter(pk=throttle.pk).update(checked_at=timezone.now())
    return NotificationThrottle.objects.select_for_update().get(pk=throttle.pk)


def _problem_notify(*, prefs: NotificationSettings, message: Message, integration: Integration | None = None,
                    connection: Connection | None = None, run: SyncRun | None = None,
                    streak: bool = False) -> Notification:
    tenant = prefs.tenant
    row = {"tenant": tenant, "integration": integration, "connection": connection, "run": run, "kind": message.kind}
    # Created outside the transaction: a concurrent create loses on the unique constraint and reads the winner's.
    throttle, _ = NotificationThrottle.objects.get_or_create(kind=message.kind, **_subject(integration, connection),
                                                            defaults={"tenant": tenant})
    with transaction.atomic():
        throttle = _locked(throttle)
        now = timezone.now()
        if streak:
            throttle.failing_since = throttle.failing_since or now
            throttle.failures += 1
        if throttle.last_sent_at and now < throttle.last_sent_at + timedelta(minutes=prefs.window_minutes):
            throttle.suppressed += 1
            throttle.save(update_fields=["failing_since", "failures", "suppressed"])
            rendered = render(message, tenant=tenant)
            return Notification.objects.create(**row, status=Notification.Status.SUPPRESSED,
                                               subject=rendered.subject, text=rendered.text)
        summarised, throttle.suppressed, throttle.last_sent_at = throttle.suppressed, 0, now
        throttle.save(update_fields=["failing_since", "failures", "suppressed", "last_sent_at"])
        rendered = render(message, tenant=tenant, suppressed=summarised, window_minutes=prefs.window_minutes)
        notification = Notification.objects.create(**row, status=Notification.Status.SENDING, subject=rendered.subject,
                                                   text=rendered.text, suppressed_count=summarised)
    if not _send(notification, message, rendered, prefs, summarised):
        # Nobody heard it: give the window back, so the next problem is tried at once and counts this one.
        NotificationThrottle.objects.filter(pk=throttle.pk, last_sent_at=now).update(
            last_sent_at=None, suppressed=F("suppressed") + summarised + 1)
    return notification


def _recovery_notify(*, prefs: NotificationSettings, kind: str, build: Callable[[dict], Message],
                     integration: Integration | None = None, connection: Connection | None = None,
                     run: SyncRun | None = None) -> Notification | None:
    open_streak = NotificationThrottle.objects.filter(kind=kind, failing_since__isnull=False,
                                                      **_subject(integration, connection)).first()
    if open_streak is None:
        return None
    tenant = prefs.tenant
    with transaction.atomic():
        throttle = _locked(open_streak)
        if throttle.failing_since is None:
            return None  # another worker has told already
        streak = {"failing_since": throttle.failing_since, "failures": throttle.failures,
                  "held_back": throttle.suppressed}
        # Back to normal: the next failure is news again and is sent at once.
        throttle.failing_since, throttle.failures, throttle.last_sent_at, throttle.suppressed = None, 0, None, 0
        throttle.save(update_fields=["failing_since", "failures", "last_sent_at", "suppressed"])
        message = build(streak)
        rendered = render(message, tenant=tenant)
        notification = Notification.objects.create(
            tenant=tenant, integration=integration, connection=connection, run=run, kind=message.kind,
            status=Notification.Status.SENDING, subject=rendered.subject, text=rendered.text)
    _send(notification, message, rendered, prefs)
    return notification
