"""Held, failed and quarantined records in the admin: why each waits, the link that fixes it, and Replay."""
from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from audit.models import AuditRecord
from audit.names import record_name_for
from audit.selectors import audit_record_story
from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import IntegrationFilter, LastRunFilter
from syncs.admin_operations import ADMIN_CSS, admin_url, object_viewable, post_or_refuse, replay_and_report
from syncs.approvals import APPROVAL_KEY
from syncs.models import Integration, JournalApproval, PendingRecord, ValueMapping
from syncs.words import missing_mapping_label

FAILED_HINT = ("Correct what the reason names (at the source, or in the value mapping that produced it), then "
               "replay the record.")


class PendingRecordAdmin(ReadOnlyTenantScopedAdmin):
    """Held, failed and quarantined records: why, and what to do about them."""

    # Key columns first (what, why, what to do): they stay in view on narrow screens (issue #16).
    list_display = ("record", "status", "reason", "fix", "stream", "integration", "attempts", "updated_at")
    list_display_links = ("record",)
    list_filter = (IntegrationFilter, "status", "stream", LastRunFilter)
    list_select_related = ("integration",)
    search_fields = ("source_id", "reason", "missing_key")
    readonly_fields = ("integration", "stream", "source_id", "status", "reason", "missing_key", "fix", "attempts",
                       "last_run", "created_at", "updated_at")
    fields = readonly_fields
    actions = ["replay"]

    @admin.display(description="Record", ordering="source_id")
    def record(self, obj):
        name = record_name_for(tenant=obj.tenant_id, integration_id=obj.integration_id, stream=obj.stream,
                               source_ref=obj.source_id)
        if not name:
            return obj.source_id
        return format_html('{} <span class="quiet record-id">{}</span>', name, obj.source_id)

    @admin.display(description="What to do")
    def fix(self, obj):
        if obj.status == PendingRecord.Status.HELD and obj.missing_key:
            map_name, _, source_value = obj.missing_key.partition(":")
            if map_name == APPROVAL_KEY and source_value.isdigit():  # a journal waiting for a second person
                return format_html('<a href="{}" data-test="journal-approval-link">Review the journal</a>',
                                   admin_url(self, JournalApproval, "change", int(source_value)))
            existing = ValueMapping.objects.filter(integration_id=obj.integration_id, map_name=map_name,
                                                   source_value=source_value).first()
            if existing is not None:  # mapped to a value the destination refuses (a pay code to a closed account)
                return format_html('<a href="{}" data-test="correct-mapping">Correct the mapping</a>',
                                   admin_url(self, ValueMapping, "change", existing.pk))
            url = admin_url(self, ValueMapping, "add", query={
                "integration": obj.integration_id, "map_name": map_name, "source_value": source_value})
            return format_html('<a href="{}" class="create-missing-mapping" data-test="create-missing-mapping">'
                               'Create the missing mapping</a>', url)
        if obj.status in (PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED):
            # The vendor's hint (stored with its words) says what to correct; the record's page has Replay.
            return format_html('{} <a href="{}" data-test="open-to-replay">Open it to replay</a>',
                               obj.error_hint or FAILED_HINT, admin_url(self, PendingRecord, "change", obj.pk))
        return ""

    @admin.display(description="What to do")
    def fix_for_viewers(self, obj):
        # Viewers cannot create mappings or replay: no link to a page that would refuse them.
        if obj.status == PendingRecord.Status.HELD and obj.missing_key.startswith(f"{APPROVAL_KEY}:"):
            return "Waits for an owner or admin to approve its journal."
        if obj.status == PendingRecord.Status.HELD and obj.missing_key:
            return (f"Waits for the mapping {missing_mapping_label(obj.missing_key)}; an owner or admin of the "
                    "company can create it.")
        if obj.status in (PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED):
            return "An owner or admin can replay it once the cause is fixed."
        return ""

    def fix_shown(self, request, obj=None) -> str:
        return "fix" if self.has_change_permission(request, obj) else "fix_for_viewers"

    def get_list_display(self, request):
        return tuple(self.fix_shown(request) if f == "fix" else f for f in self.list_display)

    def get_fields(self, request, obj=None):
        return tuple(self.fix_shown(request, obj) if f == "fix" else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    class Media:
        css = ADMIN_CSS

    def has_change_permission(self, request, obj=None):
        # Needed for actions; the form itself has only read-only fields.
        return TenantScopedAdmin.has_change_permission(self, request, obj)

    def get_urls(self):
        return [path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view),
                     name="syncs_pendingrecord_replay")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pending = self.get_object(request, object_id)
        if pending is not None:
            story = audit_record_story(tenant=pending.tenant, integration_id=pending.integration_id,
                                       stream=pending.stream, source_ref=pending.source_id).last()
            extra_context = {
                **(extra_context or {}),
                "may_replay": (pending.status != PendingRecord.Status.RESOLVED
                               and self.has_change_permission(request, pending)),
                "replay_url": admin_url(self, PendingRecord, "replay", pending.pk),
                "story_url": admin_url(self, AuditRecord, "story", story.pk) if story else ""}
        return super().change_view(request, object_id, form_url, extra_context)

    def replay_view(self, request, object_id):
        """Replay one record (from its page or its story), then go back where the button was."""
        pending = object_viewable(self, request, object_id)
        post_or_refuse(self, request, pending)
        if pending.status == PendingRecord.Status.RESOLVED:
            self.message_user(request, f"{pending.stream}:{pending.source_id} is already written; nothing to replay.",
                              messages.INFO)
        else:
            replay_and_report(self, request, pending.integration, pending_ids=[pending.pk])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = admin_url(self, PendingRecord, "change", pending.pk)
        return HttpResponseRedirect(back)

    @admin.action(description="Replay selected records", permissions=["change"])
    def replay(self, request, queryset):
        by_integration: dict[int, list[int]] = {}
        for pending in queryset.exclude(status=PendingRecord.Status.RESOLVED):
            if self.has_change_permission(request, pending):
                by_integration.setdefault(pending.integration_id, []).append(pending.pk)
        if not by_integration:
            self.message_user(request, "None of the selected records is waiting to be replayed.", messages.INFO)
        for integration_id, ids in by_integration.items():
            replay_and_report(self, request, Integration.objects.get(pk=integration_id), pending_ids=ids)



for site in (customer_site, ops_site):
    site.register(PendingRecord, PendingRecordAdmin)
