"""The one place that creates, changes and removes an integration's PeriodicTask.

django-celery-beat's DatabaseScheduler reads these rows; nothing else writes them.
"""
from __future__ import annotations

import json

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from syncs.models import Integration

RUN_TASK = "syncs.tasks.integration_run_scheduled"
DRIFT_TASK = "drift.tasks.drift_report_scheduled"


def _task_name(integration: Integration) -> str:
    return f"integration-{integration.pk}: {integration.name}"[:200]


def _schedule_kwargs(integration: Integration) -> dict:
    if integration.cron:
        minute, hour, day_of_month, month_of_year, day_of_week = _split_cron(integration.cron)
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
            day_of_week=day_of_week, timezone="UTC")
        return {"crontab": crontab, "interval": None}
    interval, _ = IntervalSchedule.objects.get_or_create(every=schedule_every_minutes(integration),
                                                         period=IntervalSchedule.MINUTES)
    return {"interval": interval, "crontab": None}


def schedule_every_minutes(integration: Integration) -> int | None:
    """The poll interval. Where webhooks carry the changes (streams with a webhook trigger, the vendor's
    webhooks switched on), the scheduled poll is only the backstop that repairs missed or dropped events,
    so `options["backstop_every_minutes"]`, when set, replaces every_minutes: the vendor's quota is spent
    on the events, and a missed one is at most that late. Without it the poll keeps its usual pace."""
    backstop = (integration.options or {}).get("backstop_every_minutes") or flow_backstop_minutes(integration)
    return int(backstop) if backstop else integration.every_minutes


def flow_backstop_minutes(integration: Integration) -> int | None:
    """The flow's own backstop interval for this integration (optional `backstop_every_minutes(integration)` of
    the flow package), e.g. Rippling → Visma once its source is an App Shop install whose webhooks carry changes."""
    from syncs.flows import flow_module

    try:
        hook = getattr(flow_module(integration.flow_kind), "backstop_every_minutes", None)
    except LookupError:
        return None
    return hook(integration) if hook else None


def _split_cron(expression: str) -> list[str]:
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(f"A crontab has 5 fields (minute hour day month weekday); got {expression!r}.")
    return parts


@transaction.atomic
def schedules_sync_for_connection(*, connection) -> None:
    """Re-derive the schedules of the integrations reading `connection` (its way of authenticating changed)."""
    for integration in Integration.objects.filter(source=connection).select_related("periodic_task"):
        schedule_sync(integration=integration)


def schedule_sync(*, integration: Integration) -> PeriodicTask | None:
    """Make the integration's PeriodicTasks (its sync, its drift report) match its schedule and enabled flag."""
    drift_schedule_sync(integration=integration)
    if not (schedule_every_minutes(integration) or integration.cron):
        _run_task_remove(integration=integration)
        return None
    fields = {
        "name": _task_name(integration),
        "task": RUN_TASK,
        "args": json.dumps([integration.pk]),
        "enabled": integration.enabled,
        "description": f"Scheduled sync of {integration.flow_kind} for tenant {integration.tenant_id}",
        **_schedule_kwargs(integration),
    }
    task = integration.periodic_task
    if task is None:
        task = PeriodicTask.objects.create(**fields)
        Integration.objects.filter(pk=integration.pk).update(periodic_task=task)
        integration.periodic_task = task
    else:
        for key, value in fields.items():
            setattr(task, key, value)
        task.save()
    return task


@transaction.atomic
def schedule_remove(*, integration: Integration) -> None:
    """The integration goes: its sync and drift PeriodicTasks with it."""
    _run_task_remove(integration=integration)
    drift_schedule_remove(integration=integration)


def _run_task_remove(*, integration: Integration) -> None:
    task = integration.periodic_task
    if task is not None:
        Integration.objects.filter(pk=integration.pk).update(periodic_task=None)
        integration.periodic_task = None
        task.delete()


# --- the drift report (drift/): weekly by default --------------------------------------------------------

def drift_cron(integration: Integration) -> str:
    """When the integration's drift report runs: `options["drift_cron"]` ("off" turns it off), else the flow's
    own `drift_cron(integration)` (Paychex → Visma: daily, to catch edits made in Visma), else weekly: Mondays,
    spread over 03:00–05:59 UTC by the integration's id so a fleet's reports do not all read at once."""
    from syncs.flows import flow_module

    configured = (integration.options or {}).get("drift_cron")
    if configured is not None:
        return "" if str(configured).strip().lower() in ("", "off") else str(configured)
    try:
        hook = getattr(flow_module(integration.flow_kind), "drift_cron", None)
    except LookupError:
        hook = None
    return hook(integration) if hook else f"{integration.pk % 60} {3 + integration.pk // 60 % 3} * * 1"


@transaction.atomic
def drift_schedule_sync(*, integration: Integration) -> PeriodicTask | None:
    from drift.models import DriftSchedule

    cron = drift_cron(integration)
    if not cron:
        drift_schedule_remove(integration=integration)
        return None
    minute, hour, day_of_month, month_of_year, day_of_week = _split_cron(cron)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week,
        timezone="UTC")
    fields = {"name": f"drift-{integration.pk}: {integration.name}"[:200], "task": DRIFT_TASK,
              "args": json.dumps([integration.pk]), "enabled": integration.enabled, "crontab": crontab,
              "interval": None, "description": f"Drift report of {integration.flow_kind} for tenant {integration.tenant_id}"}
    owner, _ = DriftSchedule.objects.select_related("periodic_task").get_or_create(integration=integration)
    task = owner.periodic_task
    if task is None:
        task = PeriodicTask.objects.create(**fields)
        DriftSchedule.objects.filter(pk=owner.pk).update(periodic_task=task)
    else:
        for key, value in fields.items():
            setattr(task, key, value)
        task.save()
    return task


def drift_schedule_remove(*, integration: Integration) -> None:
    from drift.models import DriftSchedule

    owner = DriftSchedule.objects.filter(integration_id=integration.pk).select_related("periodic_task").first()
    if owner is not None and owner.periodic_task is not None:
        owner.periodic_task.delete()

def schedule_next_run(*, integration: Integration, now=None):
    """When beat will next start a scheduled run: None when paused or without a schedule. A time already
    past (beat was down) means "due now"; the dashboard says so."""
    from django.utils import timezone

    task = integration.periodic_task
    if task is None or not task.enabled or not integration.enabled:
        return None
    now = now or timezone.now()
    # Beat counts from the task's last start; a task that never ran counts from when it was last changed.
    last = task.last_run_at or task.date_changed or now
    return now + task.schedule.remaining_estimate(last)


def schedule_pause(*, integration: Integration, actor=None) -> Integration:
    """Stop scheduled runs (manual runs and webhooks still work); recorded in the change log."""
    from syncs.services import integration_update

    return integration_update(integration=integration, actor=actor, enabled=False)


def schedule_resume(*, integration: Integration, actor=None) -> Integration:
    from syncs.services import integration_update

    return integration_update(integration=integration, actor=actor, enabled=True)
