"""Journal approvals in the customer admin (integration option `approval_required`, syncs/approvals.py):
the journal that would be posted, per cost centre, against the previous period; Approve and Reject."""
from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_operations import admin_url, object_viewable, post_or_refuse
from syncs.approvals import (
    ApprovalRefused,
    approval_comparison,
    journal_approve,
    journal_reject,
    journal_total,
    last_configured_by,
)
from syncs.models import JournalApproval


class JournalApprovalAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("requested_at", "integration", "source_id", "status", "total", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("integration", "decided_by")
    search_fields = ("source_id", "note")
    fields = ("integration", "stream", "source_id", "status", "total", "decided_by", "decided_at", "note",
              "requested_at")
    readonly_fields = fields
    change_form_template = "admin/syncs/journalapproval/change_form.html"

    @admin.display(description="Total debit")
    def total(self, obj):
        return f"{journal_total(obj.journal):,.2f}"

    def has_change_permission(self, request, obj=None):
        # Deciding is a managing act (owners and admins); the page itself stays read-only.
        return TenantScopedAdmin.has_change_permission(self, request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/approve/", view(self.approve_view), name="syncs_journalapproval_approve"),
                path("<path:object_id>/reject/", view(self.reject_view), name="syncs_journalapproval_reject"),
                ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        approval = self.get_object(request, object_id)
        if approval is not None:
            configurer = last_configured_by(approval.integration)
            extra_context = {
                **(extra_context or {}), "comparison": approval_comparison(approval),
                "lines": approval.journal.get("journalTransactionLines", []),
                "configurer": configurer.get_username() if configurer else "",
                "may_decide": (approval.status == JournalApproval.Status.PENDING
                               and self.has_change_permission(request, approval)
                               and (configurer is None or configurer.pk != request.user.pk)),
                "approve_url": admin_url(self, JournalApproval, "approve", approval.pk),
                "reject_url": admin_url(self, JournalApproval, "reject", approval.pk)}
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request, object_id):
        return self._decide(request, object_id, journal_approve, "approved; a run is queued to post it")

    def reject_view(self, request, object_id):
        return self._decide(request, object_id, journal_reject, "rejected; the pay run is held with your note")

    def _decide(self, request, object_id, decide, outcome: str):
        approval = object_viewable(self, request, object_id)
        post_or_refuse(self, request, approval)
        try:
            decide(approval=approval, user=request.user, note=request.POST.get("note", ""))
        except ApprovalRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, f"Journal {approval.source_id} {outcome}.", messages.SUCCESS)
        return HttpResponseRedirect(admin_url(self, JournalApproval, "change", approval.pk))


for site in (customer_site, ops_site):
    site.register(JournalApproval, JournalApprovalAdmin)
