import json

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.text import Truncator

from audit.erasure import ErasureError, person_erase
from audit.models import AuditRecord, ErasureLog
from audit.names import record_label, record_name, record_name_for
from audit.selectors import audit_record_story
from connections.admin_mixins import ReadOnlyTenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import IntegrationFilter, RunFilter
from syncs.admin_operations import admin_url, may_operate, object_viewable
from syncs.diff import field_changes
from syncs.mapping import VALUES_USED
from syncs.models import PendingRecord
from syncs.selectors import integration_get, pending_record_for


WRITES = (AuditRecord.Action.CREATE, AuditRecord.Action.UPDATE)


class AuditRecordAdmin(ReadOnlyTenantScopedAdmin):
    """Read-only everywhere: audit rows are append-only. A record's story is every row of it, oldest first."""

    # Key columns first (which record, what became of it, why): they stay in view on narrow screens.
    list_display = ("created_at", "record", "outcome", "short_reason", "action", "story", "stream",
                    "integration_name", "run_link", "target_ref")
    list_filter = (IntegrationFilter, RunFilter, "stream", "outcome", "action")
    list_select_related = ("integration", "run")  # LEFT JOINs: rows of a deleted integration stay listed
    search_fields = ("source_ref", "target_ref", "reason")
    actions = ["erase_people"]

    class Media:
        css = {"all": ["syncs/admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.display(description="Integration", ordering="integration_id")
    def integration_name(self, obj):
        if obj.integration_id is None:
            return ""
        return obj.integration.name if obj.integration else f"#{obj.integration_id} (deleted)"

    @admin.display(description="Record", ordering="source_ref")
    def record(self, obj):
        """The name in the row's own payload first, the vendor's id second."""
        name = record_name(obj.payload)
        if not name:
            return obj.source_ref
        return format_html('{} <span class="quiet record-id">{}</span>', name, obj.source_ref)

    @admin.display(description="Reason")
    def short_reason(self, obj):
        return Truncator(obj.reason).chars(90)

    @admin.display(description="Run", ordering="run_id")
    def run_link(self, obj):
        if obj.run_id is None:
            return ""
        number = obj.run.number if obj.run is not None else obj.run_id
        return format_html('<a href="{}?run={}">#{}</a>', admin_url(self, AuditRecord, "changelist"), obj.run_id, number)

    @admin.display(description="Story")
    def story(self, obj):
        if not obj.source_ref:
            return ""
        return format_html('<a href="{}" data-test="story-link">Story</a>', admin_url(self, AuditRecord, "story", obj.pk))

    def has_erase_permission(self, request):
        return may_operate(self, request, None)

    @admin.action(description="Erase the personal data of these people", permissions=["erase"])
    def erase_people(self, request, queryset):
        """Every row and pending record of each selected row's person (its source id), after a confirmation."""
        people = sorted({(r.tenant_id, r.source_ref) for r in queryset.select_related("tenant")
                         if r.source_ref and may_operate(self, request, r)})
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "opts": self.model._meta, "people": people,
                       "queryset": queryset, "title": "Erase personal data?",
                       "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "admin/audit/auditrecord/erase_confirm.html", context)
        tenants = {r.tenant_id: r.tenant for r in queryset.select_related("tenant")}
        for tenant_id, source_ref in people:
            try:
                log = person_erase(tenant=tenants[tenant_id], source_id=source_ref, by=request.user)
            except ErasureError as error:
                self.message_user(request, str(error), messages.WARNING)
                continue
            self.message_user(request, f"{source_ref}: {log.audit_rows} audit rows, {log.pending_rows} pending records "
                                       f"and {log.event_rows} inbound events pseudonymised; the erasure is logged.",
                              messages.SUCCESS)

    def get_urls(self):
        return [path("<path:object_id>/story/", self.admin_site.admin_view(self.story_view),
                     name="audit_auditrecord_story")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "story_url": admin_url(self, AuditRecord, "story", object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def story_view(self, request, object_id):
        record = object_viewable(self, request, object_id)
        request.current_app = self.admin_site.name
        rows = list(audit_record_story(tenant=record.tenant, integration_id=record.integration_id,
                                       stream=record.stream, source_ref=record.source_ref))
        written = None  # the payload last written: an update's "before"
        for row in rows:
            row.payload_text = json.dumps(row.payload, indent=2, sort_keys=True, ensure_ascii=False)
            # An empty set of value translations says "none" to the re-apply (syncs/reapply.py), nothing to a reader.
            shown = {k: v for k, v in (row.mapping_used or {}).items() if not (k == VALUES_USED and not v)}
            row.mapping_text = json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False) if shown else ""
            if row.action == AuditRecord.Action.UPDATE and written is not None:
                row.changes = field_changes(written, row.payload or {})
            if row.action in WRITES and row.outcome == AuditRecord.Outcome.OK:
                written = row.payload or {}
        pending = pending_record_for(tenant=record.tenant, integration_id=record.integration_id,
                                     stream=record.stream, source_id=record.source_ref)
        name = record_name_for(tenant=record.tenant, integration_id=record.integration_id, stream=record.stream,
                               source_ref=record.source_ref)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "record": record, "rows": rows,
            "title": f"Story of {record_label(name, record.stream, record.source_ref)}", "pending": pending,
            "record_name": name,
            "retention_days": record.tenant.audit_retention_days,
            # The integration may be gone: audit rows outlive it on purpose.
            "integration": integration_get(tenant=record.tenant, pk=record.integration_id)
            if record.integration_id else None,
        }
        if pending is not None:
            pending_admin = self.admin_site.get_model_admin(PendingRecord)
            managing = pending_admin.has_change_permission(request, pending)
            context.update({
                "pending_url": admin_url(self, PendingRecord, "change", pending.pk),
                "fix": getattr(pending_admin, pending_admin.fix_shown(request, pending))(pending),
                "may_replay": pending.status != PendingRecord.Status.RESOLVED and managing,
                "replay_url": admin_url(self, PendingRecord, "replay", pending.pk),
            })
        return TemplateResponse(request, "admin/audit/auditrecord/story.html", context)


class ErasureLogAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("created_at", "person_key", "requested_by_name", "audit_rows", "pending_rows", "event_rows")
    search_fields = ("person_key",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


for site in (customer_site, ops_site):
    site.register(AuditRecord, AuditRecordAdmin)
    site.register(ErasureLog, ErasureLogAdmin)
