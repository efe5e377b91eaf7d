"""Times in the tenant's own time zone: the customer site shows every time in the zone of the user's tenant
(Tenant.time_zone, Europe/Oslo unless changed). The operators' site, which spans tenants, stays in UTC."""
from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone

DEFAULT_TIME_ZONE = "Europe/Oslo"


def time_zone_validate(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name; use one like Europe/Oslo or Europe/Stockholm.")


def tenant_time(moment, tenant) -> str:
    """A time for e-mails and webhooks, in the tenant's zone and labelled: "2026-01-15 14:05 CET"."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(getattr(tenant, "time_zone", "") or DEFAULT_TIME_ZONE))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def tenant_time_zone_for(user) -> str | None:
    """The time zone of the user's tenant (the first by name if several); None for no membership."""
    from connections.models import Membership

    if not getattr(user, "is_authenticated", False):
        return None
    return (Membership.objects.filter(user=user, tenant__is_active=True).order_by("tenant__name")
            .values_list("tenant__time_zone", flat=True).first())


class TenantTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None if request.path_info.startswith("/ops/") else tenant_time_zone_for(request.user)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
