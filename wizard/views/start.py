"""Where a setup begins and where it may be abandoned: the start page (a new draft, or one to resume) and
discarding a draft (its connections are kept)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from connections.models import Tenant
from wizard import services
from wizard.forms import StartForm
from wizard.selectors import draft_list, implemented_flows
from wizard.services import Step, WizardError
from wizard.views.base import WizardView


class StartView(WizardView):
    template_name = "wizard/start.html"

    def form(self, data=None) -> StartForm:
        tenants = Tenant.objects.filter(pk__in=self.managing).order_by("name")
        return StartForm(data, tenants=tenants, flows=implemented_flows())

    def get(self, request):
        return self.render({"form": self.form(), "drafts": draft_list(tenant_ids=self.managing)})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                self.draft = services.draft_create(tenant=form.cleaned_data["tenant"], user=request.user,
                                                   flow_kind=form.cleaned_data["flow_kind"],
                                                   name=form.cleaned_data["name"])
            except WizardError as error:
                form.add_error("name", str(error))
            else:
                return redirect(self.step_url(Step.SOURCE))
        return self.render({"form": form, "drafts": draft_list(tenant_ids=self.managing)}, status=400)


class DiscardView(WizardView):
    step = Step.SOURCE  # reachable from any step

    def post(self, request):
        name = self.draft.name
        services.draft_discard(draft=self.draft, actor=request.user)
        messages.info(request, f"The setup of {name} was discarded; its connections were kept.")
        return redirect(reverse(f"{self.admin_site.name}:wizard_start"))
