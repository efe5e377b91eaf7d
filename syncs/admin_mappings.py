"""Value and field mappings in the admin: every save goes through the mapping services (which release held
records and write the audit row); the value-mapping form itself is syncs/admin_value_mappings.py."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from connections.admin_mixins import ServiceDeletionMixin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_value_mappings import ChosenIntegrationMixin, ValueMappingChoicesMixin
from syncs.mapping_services import (
    MappingError,
    field_mapping_check,
    field_mapping_delete,
    field_mapping_set,
    value_mapping_delete,
)
from syncs.models import FieldMapping, PendingRecord, ValueMapping
from syncs.services import value_mapping_set
from syncs.value_choices import NOT_DECLARED, declared_value_maps
from syncs.words import map_label


class ValueMappingAdmin(ValueMappingChoicesMixin, ServiceDeletionMixin, TenantScopedAdmin):
    """Creating a mapping here releases the records held for it (through value_mapping_set); changing one offers
    to re-apply it to the records written with its old target (syncs/admin_value_mappings.py)."""

    change_log_type = "value_mapping"
    list_display = ("integration", "translation", "source_value", "target_value", "created_at")
    list_filter = ("map_name",)
    search_fields = ("source_value", "target_value")
    fields = ("integration", "map_name", "source_value", "target_value")

    @admin.display(description="Translation", ordering="map_name")
    def translation(self, obj):
        return map_label(obj.map_name)

    def get_changeform_initial_data(self, request):
        # The "create the missing mapping" link from a held record pre-fills these.
        return {k: request.GET[k] for k in ("integration", "map_name", "source_value") if k in request.GET}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change and {"integration", "map_name", "source_value"} & set(form.changed_data):
            # Re-keyed: the old translation goes (from the database: the form changed `obj` already).
            value_mapping_delete(mapping=ValueMapping.objects.get(pk=obj.pk), actor=request.user)
        saved = value_mapping_set(integration=data["integration"], map_name=data["map_name"],
                                  source_value=data["source_value"], target_value=data["target_value"],
                                  actor=request.user)
        obj.pk = saved.pk
        held = PendingRecord.objects.filter(integration=data["integration"], status=PendingRecord.Status.HELD,
                                            missing_key=f"{data['map_name']}:{data['source_value']}").count()
        if held:
            self.message_user(request, f"{held} held record(s) waiting for this mapping are being released.",
                              messages.INFO)
        if change and "target_value" in form.changed_data:
            self.offer_reapply(request, saved)


    def delete_one(self, obj, *, actor):
        value_mapping_delete(mapping=obj, actor=actor)


class FieldMappingForm(forms.ModelForm):
    # The translations offered (FieldMappingAdmin.get_form), (name, title): the integration's own, or, before
    # one is chosen, every integration's under its name.
    translations: list | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.translations is None or "value_map" not in self.fields:
            return
        offered = [*self.translations]
        # Only a stored row has a translation already, and its integration's own are offered (not grouped).
        current = self.instance.value_map
        if current and current not in dict(offered):  # typed before it was a choice: shown, to be fixed, not lost
            offered.append((current, f"{NOT_DECLARED.format(current)}: choose one, or none"))
        self.fields["value_map"] = forms.ChoiceField(
            label="Translation", required=False, choices=[("", "— none: the values as they are —"), *offered],
            help_text="Translate the source field's values through one of the integration's translations.")

    def clean(self):
        cleaned = super().clean()
        integration, stream = cleaned.get("integration"), cleaned.get("stream")
        if integration is not None and stream:
            try:
                field_mapping_check(integration=integration, stream=stream, source_field=cleaned.get("source_field"),
                                    default=cleaned.get("default"), value_map=cleaned.get("value_map") or "")
            except MappingError as error:
                self.add_error(error.field if error.field in self.fields else None, str(error))
        return cleaned


class FieldMappingAdmin(ChosenIntegrationMixin, ServiceDeletionMixin, TenantScopedAdmin):
    form = FieldMappingForm
    change_log_type = "field_mapping"
    list_display = ("integration", "stream", "target_field", "source_field", "value_map", "default")
    list_filter = ("stream",)
    fields = ("integration", "stream", "target_field", "source_field", "value_map", "default")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        integrations = self._integrations(request, obj)
        integration = self._integration(request, obj, integrations)
        if integration is not None:
            translations = list(declared_value_maps(integration=integration).items())
        else:
            grouped = [(str(each), list(declared_value_maps(integration=each).items())) for each in integrations]
            translations = [group for group in grouped if group[1]]
        return type(form.__name__, (form,), {"translations": translations})

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change and {"integration", "stream", "target_field"} & set(form.changed_data):
            # Re-keyed: the old override goes (from the database: the form changed `obj` already).
            field_mapping_delete(mapping=FieldMapping.objects.get(pk=obj.pk), actor=request.user)
        saved, _ = field_mapping_set(integration=data["integration"], stream=data["stream"],
                                     target_field=data["target_field"], source_field=data["source_field"],
                                     value_map=data["value_map"], default=data["default"], actor=request.user)
        obj.pk = saved.pk

    def changelist_view(self, request, extra_context=None):
        # An empty list is the normal case, not a gap: every flow maps its fields by default.
        extra_context = {"subtitle": "Overrides of a flow's default field mapping. With none, the defaults apply; "
                                     "add one only to change where a field comes from.", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def delete_one(self, obj, *, actor):
        field_mapping_delete(mapping=obj, actor=actor)

for site in (customer_site, ops_site):
    site.register(ValueMapping, ValueMappingAdmin)
    site.register(FieldMapping, FieldMappingAdmin)
