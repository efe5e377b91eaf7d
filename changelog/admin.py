"""The change log in the admin: read-only; on the customer site only a company's owners see it."""
from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html_join

from changelog.models import ChangeLogEntry
from connections.admin_mixins import ReadOnlyTenantScopedAdmin
from connections.models import Membership
from mlconnector.sites import customer_site, ops_site
from syncs.words import column_label


class ChangeLogEntryAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "summary")
    list_filter = ("object_type", "action")
    search_fields = ("object_repr", "actor_name")
    fields = ("at", "tenant", "actor_name", "action", "object_type", "object_id", "object_repr", "changes_table")
    readonly_fields = fields

    def tenant_ids(self, request, *, managing: bool = False) -> list[int]:
        # Owners only: the log shows who changed what, across every connection and integration.
        if not hasattr(request, "_owner_tenant_ids"):
            request._owner_tenant_ids = list(Membership.objects.filter(
                user=request.user, role=Membership.Role.OWNER, tenant__is_active=True,
            ).values_list("tenant_id", flat=True)) if request.user.is_active else []
        return request._owner_tenant_ids

    def lookup_allowed(self, lookup, value, request=None):
        # One object's changes: the customer site's "Change log" link on its page (connections/admin_mixins.py).
        return lookup == "object_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="What changed")
    def summary(self, obj):
        return ", ".join(map(column_label, obj.changes)) if obj.action == ChangeLogEntry.Action.UPDATED else ""

    @admin.display(description="Changes (before → after)")
    def changes_table(self, obj):
        return format_html_join("", "<div><b>{}</b>: {} → {}</div>", (
            (column_label(name), shown(before), shown(after)) for name, (before, after) in obj.changes.items()))


def shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


for site in (customer_site, ops_site):
    site.register(ChangeLogEntry, ChangeLogEntryAdmin)
