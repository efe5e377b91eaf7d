"""The value-mapping form as a customer meets it from a held record: the source value by its name, the target
picked from the destination's real values (checked on save), and, when a mapping changes, the offer to
re-apply it to the records it already wrote (syncs/reapply.py)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from syncs.admin_operations import admin_url, object_viewable, post_or_refuse
from syncs.flows.base import ValueMapChoices
from syncs.models import Integration, ValueMapping
from syncs.reapply import mapping_affected_records, mapping_reapply_queue
from syncs.value_choices import map_name_refusal, target_refusal, value_map_choices, value_map_names

REAPPLY_OFFER = "_reapply_offer"  # set on the request by save_model: response_change then offers the re-apply


class ValueMappingForm(forms.ModelForm):
    choices: ValueMapChoices | None = None  # set by ValueMappingChoicesMixin.get_form for the integration's map
    choices_error = ""
    # The translations offered (ValueMappingChoicesMixin.get_form): the integration's own, or, before one is
    # chosen, every integration's under its name.
    map_names: list | None = None

    class Meta:
        model = ValueMapping
        fields = ("integration", "map_name", "source_value", "target_value")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.map_names is not None and "map_name" in self.fields:
            self.fields["map_name"] = forms.ChoiceField(
                label="Translation", choices=[("", "— choose —"), *self.map_names],
                help_text="Which of the integration's translations this value belongs to.")
        choices = self.choices
        if choices is None:
            return
        # Bound (the form again, with an error): what was posted; else the link's pre-filled value or the mapping's.
        source = (self.data.get("source_value") if self.is_bound else "") or self.initial.get("source_value") or \
            getattr(self.instance, "source_value", "")
        names = dict(choices.source_values)
        if source and source in names:
            self.fields["source_value"].help_text = f"{names[source]} at the source (its id is {source})."
        if choices.target_values:
            current = self.initial.get("target_value") or getattr(self.instance, "target_value", "")
            options = list(choices.target_values)
            if current and current not in dict(options):
                options.append((current, f"{current} (not offered by the destination any more)"))
            self.fields["target_value"] = forms.ChoiceField(
                label=self.fields["target_value"].label, choices=[("", "— choose —"), *options],
                help_text=f"{choices.label}: the values the destination has now.",
                error_messages={"invalid_choice": target_refusal(choices, "%(value)s")})

    def clean(self):
        cleaned = super().clean()
        integration, map_name = cleaned.get("integration"), cleaned.get("map_name")
        refusal = map_name_refusal(integration=integration, map_name=map_name) if integration and map_name else ""
        if refusal:
            self.add_error("map_name", refusal)
        return cleaned

    def clean_target_value(self):
        value = self.cleaned_data.get("target_value", "")
        refusal = target_refusal(self.choices, value) if self.choices is not None else ""
        if refusal:
            raise forms.ValidationError(refusal)
        return value


class ChosenIntegrationMixin:
    """For the admin form of a row that belongs to an integration, whose choices depend on which one."""

    def _integrations(self, request, obj):
        # Through the form's own (tenant-scoped) choices: another tenant's integration is not found.
        return super().get_form(request, obj).base_fields["integration"].queryset

    @staticmethod
    def _data(request):
        return request.POST if request.method == "POST" else request.GET

    def _integration(self, request, obj, integrations):
        """The integration posted, pre-filled by a link or of the row; None before one is chosen."""
        integration_id = self._data(request).get("integration") or (obj.integration_id if obj else None)
        if not integration_id or not str(integration_id).isdigit():
            return None
        return integrations.filter(pk=int(integration_id)).first()


class ValueMappingChoicesMixin(ChosenIntegrationMixin):
    """Mixed into ValueMappingAdmin (syncs/admin_mappings.py)."""

    form = ValueMappingForm
    change_form_template = "admin/syncs/valuemapping/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        integrations = self._integrations(request, obj)
        integration = self._integration(request, obj, integrations)
        map_name = self._data(request).get("map_name") or (obj.map_name if obj else "")
        if integration is None:
            grouped = [(str(each), list(value_map_names(integration=each).items())) for each in integrations]
            return type(form.__name__, (form,), {"map_names": [g for g in grouped if g[1]]})
        names = list(value_map_names(integration=integration).items())
        if not map_name:
            return type(form.__name__, (form,), {"map_names": names})
        choices, error = value_map_choices(integration=integration, map_name=map_name)
        return type(form.__name__, (form,), {"map_names": names, "choices": choices, "choices_error": error})

    def render_change_form(self, request, context, *args, **kwargs):
        form = context.get("adminform").form if context.get("adminform") else None
        if form is not None and getattr(form, "choices_error", ""):
            context["choices_error"] = form.choices_error
        return super().render_change_form(request, context, *args, **kwargs)

    def offer_reapply(self, request, mapping: ValueMapping) -> None:
        affected = mapping_affected_records(mapping=mapping)
        if affected.count or affected.untraced_count:
            setattr(request, REAPPLY_OFFER, mapping.pk)

    def response_change(self, request, obj):
        if getattr(request, REAPPLY_OFFER, None):
            return HttpResponseRedirect(admin_url(self, ValueMapping, "reapply", obj.pk))
        return super().response_change(request, obj)

    def get_urls(self):
        return [path("<path:object_id>/reapply/", self.admin_site.admin_view(self.reapply_view),
                     name="syncs_valuemapping_reapply")] + super().get_urls()

    def reapply_view(self, request, object_id):
        """Confirm, then queue the re-write of the records written with this mapping's old target."""
        mapping = object_viewable(self, request, object_id)
        if request.method == "POST":
            post_or_refuse(self, request, mapping)
            count = mapping_reapply_queue(mapping=mapping, include_untraced=bool(request.POST.get("include_untraced")))
            self.message_user(request, (
                f"{count} record(s) are being written again with {mapping.target_value} (any it does not change are "
                "read and left as they are); the dashboard shows the run.") if count else
                "No record carries an old value of this mapping: nothing to re-apply.",
                messages.SUCCESS if count else messages.INFO)
            return HttpResponseRedirect(admin_url(self, Integration, "dashboard", mapping.integration_id))
        affected = mapping_affected_records(mapping=mapping)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "mapping": mapping,
            "affected": affected, "title": "Re-apply the changed mapping?",
            "may_reapply": self.has_change_permission(request, mapping),
            "change_url": admin_url(self, ValueMapping, "change", mapping.pk),
            "dashboard_url": admin_url(self, Integration, "dashboard", mapping.integration_id),
        }
        return TemplateResponse(request, "admin/syncs/valuemapping/reapply_confirm.html", context)
