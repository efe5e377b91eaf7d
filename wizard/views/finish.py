"""The last steps: the preview (a dry run of the first records that writes nothing) and turning the
integration on (the destination set up, the schedule enabled, the source's webhooks registered)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from audit.redaction import redact_text
from connections.vendors.errors import VendorError
from wizard import services
from wizard.forms import PreviewForm
from wizard.selectors import latest_preview
from wizard.services import Step, WizardError, step_index
from wizard.views.base import WizardView


class PreviewView(WizardView):
    """Dry run of the first records, now: what would be created or updated, and what would be held and why."""

    template_name = "wizard/preview.html"
    step = Step.PREVIEW
    title = "Preview: a dry run that writes nothing"

    def context(self, form: PreviewForm, can_enable: bool) -> dict:
        return {"form": form, "preview": latest_preview(integration=self.draft.integration),
                "can_enable": can_enable, "next_url": self.step_url(Step.ENABLE),
                "mapping_add_url": reverse(f"{self.admin_site.name}:syncs_valuemapping_add")}

    def get(self, request):
        return self.render(self.context(PreviewForm(), step_index(self.draft.step) >= step_index(Step.ENABLE)))

    def post(self, request):
        form = PreviewForm(request.POST)
        if not form.is_valid():
            return self.render(self.context(form, can_enable=False), status=400)
        run = services.draft_preview(draft=self.draft, limit=form.cleaned_data["limit"])
        if run.error:
            messages.error(request, f"The preview stopped: {run.error}")
        return redirect(self.step_url(Step.PREVIEW))


class EnableView(WizardView):
    template_name = "wizard/enable.html"
    step = Step.ENABLE
    title = "Turn it on"

    def get(self, request):
        integration = self.draft.integration
        return self.render({"integration": integration, "preview": latest_preview(integration=integration),
                            "value_mappings": integration.value_mappings.count(),
                            "field_mappings": integration.field_mappings.count()})

    def post(self, request):
        try:
            for done in services.draft_destination_setup(draft=self.draft):
                messages.info(request, done)
        except VendorError as error:
            messages.error(request, f"{self.draft.integration.destination.name} could not be set up: "
                                    f"{redact_text(str(error))}")
            return redirect(self.step_url(Step.ENABLE))
        try:
            integration = services.draft_enable(draft=self.draft, actor=request.user)
        except WizardError as error:
            messages.error(request, str(error))
            return redirect(self.step_url(Step.PREVIEW))
        messages.success(request, f"{integration.name} is on: it runs every {integration.every_minutes} minutes, "
                                  "and its first run is queued now.")
        try:
            hook = services.draft_webhooks_register(draft=self.draft)
        except VendorError as error:
            messages.warning(request, f"{integration.source.name} could not be told to notify us "
                                      f"({redact_text(str(error))}); the schedule still finds every change. Retry with "
                                      "the connection's action \"Register Paychex webhooks\".")
        else:
            if hook:
                messages.info(request, f"{integration.source.name} now notifies this integration of changes "
                                       f"({', '.join(hook.get('domains') or [])}).")
        return HttpResponseRedirect(self.integration_url(integration))
