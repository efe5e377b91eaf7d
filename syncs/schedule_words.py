"""An integration's schedule in customer words, one spelling for the integration list and the dashboard:
"Every 15 minutes", "Daily at 02:00 (Europe/Oslo)", "Off".

Crontabs are kept in UTC (syncs/schedules.py gives beat timezone="UTC"), so a time of day is shown converted
into the tenant's zone, at today's offset: the zone is named so a reader knows which clock is meant. A crontab
of another shape is shown as it is, marked UTC, rather than guessed at.
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone, tzinfo

from django.utils import timezone

WEEKDAYS = {"1-5", "mon-fri"}


def interval_words(minutes: int) -> str:
    if minutes % 1440 == 0:
        return "Every day" if minutes == 1440 else f"Every {minutes // 1440} days"
    if minutes % 60 == 0:
        return "Every hour" if minutes == 60 else f"Every {minutes // 60} hours"
    return "Every minute" if minutes == 1 else f"Every {minutes} minutes"


def _local_time(hour: int, minute: int, zone: tzinfo, now: datetime) -> tuple[datetime, bool]:
    """(the UTC hour:minute of today in `zone`, whether it falls on the same calendar day)."""
    utc = now.astimezone(dt_timezone.utc).replace(hour=hour, minute=minute, second=0, microsecond=0)
    local = utc.astimezone(zone)
    return local, local.date() == utc.date()


def cron_words(expression: str, zone: tzinfo, now: datetime | None = None) -> str:
    fields = expression.split()
    custom = f"On the timetable “{expression}” (UTC)"
    if len(fields) != 5:
        return custom
    minute, hour, day, month, weekday = fields
    if (day, month, weekday) == ("*", "*", "*") and hour == "*":
        if minute.startswith("*/") and minute[2:].isdigit():
            return interval_words(int(minute[2:]))
        if minute.isdigit():
            return f"Every hour at :{int(minute):02d}"
    if not (minute.isdigit() and hour.isdigit() and (day, month) == ("*", "*")):
        return custom
    local, same_day = _local_time(int(hour), int(minute), zone, now or timezone.now())
    at = f"at {local:%H:%M} ({getattr(zone, 'key', None) or local.tzname()})"
    if weekday == "*":
        return f"Daily {at}"
    if weekday.lower() in WEEKDAYS and same_day:  # a shift past midnight would move the days too
        return f"Weekdays {at}"
    return custom


def schedule_words(*, enabled: bool, every_minutes: int | None, cron: str, zone: tzinfo | None = None,
                   backstop: bool = False, now: datetime | None = None) -> str:
    """`backstop`: the interval is the webhook flows' backstop poll, not the customer's own every_minutes."""
    if not enabled:
        return "Off"
    if cron:
        return cron_words(cron, zone or timezone.get_current_timezone(), now)
    if every_minutes:
        words = interval_words(every_minutes)
        return f"{words} (a backstop: webhooks carry the changes)" if backstop else words
    return "Only when started (Run now or a webhook)"


def integration_schedule_words(integration, zone: tzinfo | None = None) -> str:
    """The words for an integration, in `zone` (default: the active one, the tenant's on the customer site)."""
    from syncs.schedules import schedule_every_minutes

    every = None if integration.cron else schedule_every_minutes(integration)
    return schedule_words(enabled=integration.enabled, every_minutes=every, cron=integration.cron, zone=zone,
                          backstop=bool(every and every != integration.every_minutes))
