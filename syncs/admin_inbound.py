"""Inbound events in the customer admin: what vendors sent, what became of it, and a Replay action."""
from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html_join

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_operations import admin_url, may_operate
from syncs.inbound import inbound_event_replay
from syncs.models import InboundEvent, SyncRun


class InboundEventAdmin(ReadOnlyTenantScopedAdmin):
    """Read-only: rows are the vendor's words. The raw body is never shown (it may hold personal data)."""

    list_display = ("received_at", "connection", "type", "status", "attempts", "error_message")
    list_filter = ("status", "type")
    list_select_related = ("connection",)
    search_fields = ("event_id", "type")
    fields = ("connection", "type", "event_id", "source_ids", "status", "attempts", "error_class", "error_vendor",
              "error_status", "error_message", "error_hint", "run_links", "received_at", "queued_at", "processed_at")
    readonly_fields = fields
    actions = ["replay"]

    @admin.display(description="Runs")
    def run_links(self, obj):
        return format_html_join(", ", '<a href="{}">#{} ({})</a>', (
            (admin_url(self, SyncRun, "change", run.pk), run.pk, run.get_status_display())
            for run in obj.runs.order_by("pk"))) or "–"

    def has_change_permission(self, request, obj=None):
        # The changelist's Replay action needs it; an event's own page stays view-only (no Save button).
        return obj is None and TenantScopedAdmin.has_change_permission(self, request)

    @admin.action(description="Replay selected events", permissions=["change"])
    def replay(self, request, queryset):
        by_tenant: dict = {}
        for event in queryset.select_related("tenant"):
            if may_operate(self, request, event):
                by_tenant.setdefault(event.tenant, []).append(event.pk)
        queued = sum(inbound_event_replay(tenant=tenant, event_ids=ids) for tenant, ids in by_tenant.items())
        self.message_user(request, f"{queued} event(s) queued again; their runs appear under Sync runs.",
                          messages.SUCCESS if queued else messages.INFO)


for site in (customer_site, ops_site):
    site.register(InboundEvent, InboundEventAdmin)
