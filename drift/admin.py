"""Drift reports in the customer admin: the list of reports, and one page per integration with its latest report,
its control totals, the differences and the fixes (re-sync a record through the engine, or release it)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from drift.models import DriftItem, DriftReport
from drift.selectors import drift_items_shown, drift_report_latest
from drift.services import drift_item_release, drift_items_resync_queue, drift_report_queue
from mlconnector.sites import customer_site, ops_site
from syncs.admin_operations import admin_url
from syncs.models import Integration


class DriftReportAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("queued_at", "integration_page", "status", "trigger", "missing", "extra", "differs", "changed",
                    "progress")
    list_filter = ("status", "trigger")
    list_select_related = ("integration",)
    fields = ("integration", "status", "trigger", "progress", "missing", "extra", "differs", "changed", "totals",
              "error_message", "error_hint", "queued_at", "started_at", "finished_at")
    readonly_fields = fields

    @admin.display(description="Integration")
    def integration_page(self, obj):
        return format_html('<a href="{}">{}</a>', admin_url(self, DriftReport, "integration", obj.integration_id),
                           obj.integration)

    @admin.display(description="Progress")
    def progress(self, obj):
        return f"{obj.streams_done}/{obj.streams_total} streams, {obj.source_read} source records read"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("integration/<int:integration_id>/", view(self.integration_view), name="drift_driftreport_integration"),
            path("integration/<int:integration_id>/check/", view(self.check_view), name="drift_driftreport_check"),
            path("integration/<int:integration_id>/fix/", view(self.fix_view), name="drift_driftreport_fix"),
        ] + super().get_urls()

    def _integration(self, request, integration_id: int) -> Integration:
        """Through the user's tenants: another tenant's integration is a 404, like every admin object."""
        queryset = Integration.objects.all()
        if self.scoped:
            queryset = queryset.filter(tenant__in=self.tenant_ids(request))
        integration = queryset.filter(pk=integration_id).first()
        if integration is None:
            raise Http404("No such integration")
        return integration

    def _may_fix(self, request, integration) -> bool:
        return TenantScopedAdmin.has_change_permission(self, request, integration)

    def integration_view(self, request, integration_id):
        integration = self._integration(request, integration_id)
        request.current_app = self.admin_site.name
        report = drift_report_latest(integration=integration)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"{integration}: drift",
            "integration": integration, "report": report, "items": drift_items_shown(report=report) if report else [],
            "may_fix": self._may_fix(request, integration),
            "running": report is not None and report.status in (DriftReport.Status.QUEUED, DriftReport.Status.RUNNING),
            "urls": {"check": admin_url(self, DriftReport, "check", integration.pk),
                     "fix": admin_url(self, DriftReport, "fix", integration.pk),
                     "dashboard": admin_url(self, Integration, "dashboard", integration.pk)},
        }
        return TemplateResponse(request, "admin/drift/integration.html", context)

    def _refuse_unless_may_fix(self, request, integration) -> None:
        from django.core.exceptions import PermissionDenied

        if request.method != "POST" or not self._may_fix(request, integration):
            raise PermissionDenied

    def check_view(self, request, integration_id):
        integration = self._integration(request, integration_id)
        self._refuse_unless_may_fix(request, integration)
        report = drift_report_queue(integration=integration)
        self.message_user(request, f"Drift report #{report.pk} is queued; this page shows its progress.",
                          messages.SUCCESS)
        return HttpResponseRedirect(admin_url(self, DriftReport, "integration", integration.pk))

    def fix_view(self, request, integration_id):
        integration = self._integration(request, integration_id)
        self._refuse_unless_may_fix(request, integration)
        ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
        items = list(DriftItem.objects.filter(integration=integration, pk__in=ids))  # the integration's own only
        if request.POST.get("action") == "release":
            for item in items:
                drift_item_release(item=item, actor=request.user)
            self.message_user(request, f"{len(items)} difference(s) released: the destination is kept as it is.",
                              messages.SUCCESS)
        else:
            queued = drift_items_resync_queue(items=items, actor=request.user)
            skipped = len(items) - queued
            self.message_user(request, f"{queued} record(s) queued to be written again from the source."
                              + (f" {skipped} not re-synced (extra records have no source; release them)."
                                 if skipped else ""), messages.SUCCESS if queued else messages.WARNING)
        return HttpResponseRedirect(admin_url(self, DriftReport, "integration", integration.pk))


for site in (customer_site, ops_site):
    site.register(DriftReport, DriftReportAdmin)
