"""The one place that creates, changes and removes an integration's PeriodicTask.

django-celery-beat's DatabaseScheduler reads these rows; nothing else writes them.
"""
from __future__ import annotations

import json

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from syncs.models import Integration

RUN_TASK = "syncs.tasks.integration_run_scheduled"


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
    backstop = (integration.options or {}).get("backstop_every_minutes")
    return int(backstop) if backstop else integration.every_minutes


def _split_cron(expression: str) -> list[str]:
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(f"A crontab has 5 fields (minute hour day month weekday); got {expression!r}.")
    return parts


@transaction.atomic
def schedule_sync(*, integration: Integration) -> PeriodicTask | None:
    """Make the integration's PeriodicTask match its schedule and enabled flag."""
    if not (schedule_every_minutes(integration) or integration.cron):
        schedule_remove(integration=integration)
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
    task = integration.periodic_task
    if task is not None:
        Integration.objects.filter(pk=integration.pk).update(periodic_task=None)
        integration.periodic_task = None
        task.delete()
