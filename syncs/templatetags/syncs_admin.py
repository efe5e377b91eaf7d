"""Admin template helpers: the tenant overview on the customer index, and readable durations."""
from __future__ import annotations

from datetime import timedelta

from django import template
from django.urls import reverse

from connections.models import Tenant
from connections.selectors import tenant_ids_for_user
from syncs.health import connection_state
from syncs.health_selectors import connections_failing
from syncs.health_selectors import integration_overview as overview_of
from syncs.words import map_label, missing_mapping_label, stream_label

register = template.Library()


@register.simple_tag(takes_context=True)
def integration_overview(context) -> list[dict]:
    """For each tenant the user belongs to: its failing connections (first: nothing syncs while a credential
    is broken) and its integrations with .health and .dashboard_url; `may_manage` gates the fix buttons."""
    request = context["request"]
    site = request.resolver_match.namespace
    managing = set(tenant_ids_for_user(user=request.user, managing=True))
    overview = []
    for tenant in Tenant.objects.filter(pk__in=tenant_ids_for_user(user=request.user)).order_by("name"):
        integrations = overview_of(tenant=tenant)
        for integration in integrations:
            integration.dashboard_url = reverse(f"{site}:syncs_integration_dashboard", args=[integration.pk])
        failing = list(connections_failing(tenant=tenant))
        for connection in failing:
            connection.test_url = reverse(f"{site}:connections_connection_test", args=[connection.pk])
            connection.change_url = reverse(f"{site}:connections_connection_change", args=[connection.pk])
            connection.vendor_label = connection_state(connection).vendor
        overview.append({"tenant": tenant, "integrations": integrations, "failing_connections": failing,
                         "may_manage": tenant.pk in managing})
    return overview


@register.simple_tag
def run_sparkline(integration) -> dict:
    """The home page's sparkline of one integration (syncs/charts.py)."""
    from syncs.charts import run_sparkline as sparkline_of

    return sparkline_of(integration=integration)


@register.filter
def duration(value: timedelta | None) -> str:
    """'45 s', '12 min 5 s', '3 h 20 min', '4 days 2 h'."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min" + (f" {seconds} s" if seconds else "")
    return f"{seconds} s"


@register.filter
def run_duration(run) -> str:
    if not (run.started_at and run.finished_at):
        return ""
    return duration(run.finished_at - run.started_at)


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


@register.filter
def get_item(mapping: dict, key):
    return (mapping or {}).get(key)


@register.filter
def is_past(value) -> bool:
    from django.utils import timezone

    return value is not None and value <= timezone.now()


@register.filter(name="stream_label")
def stream_label_filter(stream: str) -> str:
    return stream_label(stream)


@register.filter(name="map_label")
def map_label_filter(map_name: str) -> str:
    return map_label(map_name)


@register.filter(name="missing_mapping")
def missing_mapping_filter(missing_key: str) -> str:
    return missing_mapping_label(missing_key)
