"""Run history in the admin: one run's counts, its audit trail, and Replay from it."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html

from audit.models import AuditRecord
from connections.admin_mixins import ReadOnlyTenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import IntegrationFilter
from syncs.admin_operations import ADMIN_CSS, admin_url, may_operate, object_viewable, post_or_refuse, replay_and_report
from syncs.models import Integration, SyncRun
from syncs.selectors import run_unresolved_count
from syncs.templatetags.syncs_admin import run_duration
from syncs.words import column_label


class SyncRunAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("run_number", "status", "finished_at", "duration", "integration", "created", "updated", "held",
                    "failed", "read", "unchanged", "trigger", "queued_at")
    list_display_links = ("run_number",)
    list_filter = (IntegrationFilter, "status", "trigger")
    list_select_related = ("integration",)
    fields = ("integration", "run_number", "status", "trigger", "dry_run", "read", "created", "updated", "unchanged",
              "held", "failed", "requests_made", "error", "queued_at", "started_at", "finished_at", "duration",
              "audit_trail")
    readonly_fields = fields

    class Media:
        css = ADMIN_CSS

    @admin.display(description="Run", ordering="number")
    def run_number(self, obj):
        return f"#{obj.number}"

    @admin.display(description=column_label("http_calls"))
    def requests_made(self, obj):
        return obj.http_calls

    @admin.display(description="Duration")
    def duration(self, obj):
        return run_duration(obj)

    @admin.display(description="Audit trail")
    def audit_trail(self, obj):
        url = admin_url(self, AuditRecord, "changelist", query={"run": obj.pk})
        return format_html('<a href="{}" data-test="run-audit-link">Every record of this run</a>', url)

    def get_urls(self):
        return [path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view),
                     name="syncs_syncrun_replay")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context = {**(extra_context or {}), "unresolved": run_unresolved_count(run=run),
                             "may_replay": may_operate(self, request, run),
                             "replay_url": admin_url(self, SyncRun, "replay", run.pk),
                             "dashboard_url": admin_url(self, Integration, "dashboard", run.integration_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def replay_view(self, request, object_id):
        run = object_viewable(self, request, object_id)
        post_or_refuse(self, request, run)
        replay_and_report(self, request, run.integration, from_run=run)
        return HttpResponseRedirect(admin_url(self, SyncRun, "change", run.pk))



for site in (customer_site, ops_site):
    site.register(SyncRun, SyncRunAdmin)
