from django import forms
from django.contrib import admin

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.models import Integration, SyncRun
from syncs.services import (
    IntegrationError,
    integration_check_connections,
    integration_create,
    integration_delete,
    integration_update,
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
