from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.models import FieldMapping, Integration, PendingRecord, SyncRun, ValueMapping
from syncs.services import (
    IntegrationError,
    integration_check_connections,
    integration_create,
    integration_delete,
    integration_update,
    records_replay,
    value_mapping_set,
)

EDITABLE = ("name", "streams", "every_minutes", "cron", "enabled", "options", "source", "destination")


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ("tenant", "name", "flow_kind", "source", "destination", "streams", "every_minutes", "cron",
                  "enabled", "options")

    def clean(self):
        data = super().clean()
        tenant = data.get("tenant") or (self.instance.tenant if self.instance.pk else None)
        flow_kind = data.get("flow_kind") or self.instance.flow_kind
        if tenant and flow_kind and data.get("source") and data.get("destination"):
            try:
                integration_check_connections(tenant=tenant, flow_kind=flow_kind, source=data["source"],
                                              destination=data["destination"])
            except IntegrationError as error:
                raise forms.ValidationError(str(error)) from None
        return data


class IntegrationAdmin(TenantScopedAdmin):
    form = IntegrationForm
    list_display = ("name", "tenant", "flow_kind", "enabled", "every_minutes", "cron")
    list_filter = ("flow_kind", "enabled")
    fields = ("tenant", "name", "flow_kind", "source", "destination", "streams", "every_minutes", "cron", "enabled",
              "options")

    def get_readonly_fields(self, request, obj=None):
        return ("tenant", "flow_kind") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            integration_update(integration=obj, **{k: data[k] for k in EDITABLE if k in data})
        else:
            created = integration_create(tenant=data["tenant"], flow_kind=data["flow_kind"],
                                         **{k: data[k] for k in EDITABLE if k in data})
            obj.pk = created.pk

    def delete_model(self, request, obj):
        integration_delete(integration=obj)

    def delete_queryset(self, request, queryset):
        for integration in queryset:
            integration_delete(integration=integration)


class SyncRunAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("id", "integration", "status", "trigger", "read", "created", "updated", "unchanged", "held",
                    "failed", "queued_at", "finished_at")
    list_filter = ("status", "trigger")


for site in (customer_site, ops_site):
    site.register(Integration, IntegrationAdmin)
    site.register(SyncRun, SyncRunAdmin)


class ValueMappingAdmin(TenantScopedAdmin):
    """Creating a mapping here releases the records held for it (through value_mapping_set)."""

    list_display = ("integration", "map_name", "source_value", "target_value", "created_at")
    list_filter = ("map_name",)
    search_fields = ("source_value", "target_value")
    fields = ("integration", "map_name", "source_value", "target_value")

    def get_changeform_initial_data(self, request):
        # The "create the missing mapping" link from a held record pre-fills these.
        return {k: request.GET[k] for k in ("integration", "map_name", "source_value") if k in request.GET}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change and {"integration", "map_name", "source_value"} & set(form.changed_data):
            ValueMapping.objects.filter(pk=obj.pk).delete()  # re-keyed: the old translation goes
        saved = value_mapping_set(integration=data["integration"], map_name=data["map_name"],
                                  source_value=data["source_value"], target_value=data["target_value"])
        obj.pk = saved.pk
        held = PendingRecord.objects.filter(integration=data["integration"], status=PendingRecord.Status.HELD,
                                            missing_key=f"{data['map_name']}:{data['source_value']}").count()
        if held:
            self.message_user(request, f"{held} held record(s) waiting for this mapping are being released.",
                              messages.INFO)


class FieldMappingAdmin(TenantScopedAdmin):
    list_display = ("integration", "stream", "target_field", "source_field", "value_map", "default")
    list_filter = ("stream",)
    fields = ("integration", "stream", "target_field", "source_field", "value_map", "default")

    def save_model(self, request, obj, form, change):
        obj.tenant = obj.integration.tenant
        super().save_model(request, obj, form, change)


class PendingRecordAdmin(ReadOnlyTenantScopedAdmin):
    """Held, failed and quarantined records: why, and what to do about them."""

    list_display = ("source_id", "integration", "stream", "status", "reason", "fix", "attempts", "updated_at")
    list_filter = ("status", "stream")
    search_fields = ("source_id", "reason", "missing_key")
    readonly_fields = ("integration", "stream", "source_id", "status", "reason", "missing_key", "fix", "attempts",
                       "last_run", "created_at", "updated_at")
    fields = readonly_fields
    actions = ["replay"]

    @admin.display(description="What to do")
    def fix(self, obj):
        if obj.status == PendingRecord.Status.HELD and obj.missing_key:
            map_name, _, source_value = obj.missing_key.partition(":")
            url = reverse(f"{self.admin_site.name}:syncs_valuemapping_add") + "?" + urlencode(
                {"integration": obj.integration_id, "map_name": map_name, "source_value": source_value})
            return format_html('<a href="{}">Create the missing mapping</a>', url)
        if obj.status in (PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED):
            return "Fix the cause, then use the Replay action."
        return ""

    def has_change_permission(self, request, obj=None):
        # Needed for actions; the form itself has only read-only fields.
        return TenantScopedAdmin.has_change_permission(self, request, obj)

    @admin.action(description="Replay selected records")
    def replay(self, request, queryset):
        by_integration: dict[int, list[int]] = {}
        for pending in queryset.exclude(status=PendingRecord.Status.RESOLVED):
            if self.has_change_permission(request, pending):
                by_integration.setdefault(pending.integration_id, []).append(pending.pk)
        for integration_id, ids in by_integration.items():
            integration = Integration.objects.get(pk=integration_id)
            result = records_replay(integration=integration, pending_ids=ids)
            level = messages.SUCCESS if not (result.failed or result.held) else messages.WARNING
            self.message_user(request, (
                f"{integration}: replayed {result.read} record(s): {result.created} created, {result.updated} "
                f"updated, {result.unchanged} unchanged, {result.held} still held, {result.failed} failed."), level)


for site in (customer_site, ops_site):
    site.register(ValueMapping, ValueMappingAdmin)
    site.register(FieldMapping, FieldMappingAdmin)
    site.register(PendingRecord, PendingRecordAdmin)
