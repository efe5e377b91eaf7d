"""The frame every setup-wizard page shares: access, where a draft may go, the step pills, rendering.

Owners and admins of a tenant may use the wizard (/admin/wizard/…); viewers get 403, and another tenant's drafts
do not exist (404). A draft that is not ready for a step is sent back to the step it has to finish first. The
pages themselves are in start.py, connection.py, steps.py and finish.py; their URLs in wizard/urls.py.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from connections.selectors import tenant_ids_for_user
from connections.vendors import get_vendor
from syncs.flows import get_flow
from wizard import services
from wizard.selectors import draft_get
from wizard.services import ROLES, Step, connection_passed, role_kind, step_index


class WizardView(View):
    admin_site = None  # the customer site, given by wizard_urls()
    template_name = ""
    step: str | None = None  # None: not a step of a draft (the start page)
    title = "Set up an integration"

    def dispatch(self, request, *args, **kwargs):
        self.managing = tenant_ids_for_user(user=request.user, managing=True)
        if not self.managing:
            raise PermissionDenied("Only a company's owners and admins can set up integrations.")
        self.draft = None
        if "draft_id" in kwargs:
            self.draft = draft_get(tenant_ids=self.managing, pk=kwargs.pop("draft_id"))
            if self.draft is None:
                raise Http404("No such integration being set up.")
            if self.draft.completed_at is not None:
                return redirect(self.integration_url(self.draft.integration))
            blocked = self.blocker()
            if blocked is not None:
                step, message = blocked
                messages.warning(request, message)
                return redirect(self.step_url(step))
        return super().dispatch(request, *args, **kwargs)

    # --- where a draft may go ----------------------------------------------------------------------
    def blocker(self) -> tuple[str, str] | None:
        """The step to send the user to instead of this one, and why; None if this step may be opened."""
        draft, wanted = self.draft, step_index(self.step)
        for role in ROLES:
            if wanted > step_index(role) and not connection_passed(getattr(draft, role)):
                return role, f"The {get_vendor(role_kind(draft, role)).label} connection has to pass its test first."
        if wanted > step_index(Step.DESTINATION) and draft.integration is None:
            return Step.DESTINATION, "Test the connections to continue."
        if wanted > step_index(draft.step):
            return draft.step, f"Finish “{Step(draft.step).label}” first."
        return None

    def step_url(self, step: str) -> str:
        return reverse(f"{self.admin_site.name}:wizard_{step}", args=[self.draft.pk])

    def integration_url(self, integration) -> str:
        return reverse(f"{self.admin_site.name}:syncs_integration_change", args=[integration.pk])

    def next_step(self) -> str:
        return services.STEPS[step_index(self.step) + 1]

    def steps(self) -> list[dict]:
        """The step pills. A connection that does not pass its test stops the count there: its pill says
        "failed" and no later step is shown as done (nor linked), whatever was reached before."""
        if self.draft is None:
            return []
        reached = step_index(self.draft.step)
        failing = next((step_index(role) for role in ROLES
                        if getattr(self.draft, role) is not None and not connection_passed(getattr(self.draft, role))
                        and step_index(role) <= reached), None)
        if failing is not None:
            reached = failing

        def state(i: int, key: str) -> str:
            if key == self.step:
                return "current"
            if i == failing:
                return "failed"
            return "done" if i < reached else "open" if i == reached else "locked"

        return [{"key": key, "label": label, "url": self.step_url(key) if i <= reached else "",
                 "state": state(i, key), "failed": i == failing}
                for i, (key, label) in enumerate(Step.choices)]

    def render(self, context: dict, status: int = 200) -> TemplateResponse:
        context = {**self.admin_site.each_context(self.request), "title": self.title, "draft": self.draft,
                   "step": self.step, "steps": self.steps(), **context}
        if self.draft is not None:
            context["flow"] = get_flow(self.draft.flow_kind)
            context["discard_url"] = reverse(f"{self.admin_site.name}:wizard_discard", args=[self.draft.pk])
        return TemplateResponse(self.request, self.template_name, context, status=status)
