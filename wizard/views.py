"""The setup wizard's pages on the customer admin site (/admin/wizard/…).

Owners and admins of a tenant may use it; viewers get 403, and another tenant's drafts do not exist (404).
Each page calls one wizard service (wizard/services.py), which calls the project's own services.
"""
from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views import View

from audit.redaction import redact_text
from connections.installs import connection_installable
from connections.models import Connection, Tenant
from connections.selectors import tenant_ids_for_user
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError
from syncs.flows import flow_module, get_flow
from wizard import services
from wizard.forms import MappingsForm, PreviewForm, ScheduleForm, StartForm, StreamsForm, connection_step_form
from wizard.selectors import (
    draft_connection_get,
    draft_connections,
    draft_get,
    draft_list,
    flow_option_choices,
    implemented_flows,
    latest_preview,
    mapping_page,
)
from wizard.services import ROLES, Step, WizardError, connection_passed, role_kind, step_index

TEST_RESULT_KEY = "wizard-test-{draft}-{role}"


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


class ConnectionView(WizardView):
    """Choose or create the source (or destination) connection, enter its credentials, and test it."""

    template_name = "wizard/connection.html"
    role = ""

    @property
    def step(self):
        return self.role

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.title = f"Connect the {self.role}"

    def kind(self) -> str:
        return role_kind(self.draft, self.role)

    def chosen(self) -> Connection | None:
        """The connection the page is about: ?connection=<id> (of this tenant and vendor) or =new, else the
        draft's, else the tenant's first one of the vendor; None means a new one."""
        wanted = self.request.GET.get("connection", "")
        if wanted == "new":
            return None
        if wanted:
            connection = (draft_connection_get(draft=self.draft, kind=self.kind(), pk=int(wanted))
                          if wanted.isdigit() else None)
            if connection is None:
                raise Http404("No such connection.")
            return connection
        return getattr(self.draft, self.role) or draft_connections(draft=self.draft, kind=self.kind()).first()

    def form(self, connection: Connection | None, data=None):
        vendor = get_vendor(self.kind())
        # The form gets its own copy: a ModelForm writes cleaned values onto its instance, and the
        # service compares the typed values with the stored connection.
        instance = (copy.copy(connection) if connection is not None
                    else Connection(tenant=self.draft.tenant, kind=vendor.kind))
        return connection_step_form(vendor, self.draft.tenant)(data, instance=instance)

    def context(self, connection, form) -> dict:
        vendor = get_vendor(self.kind())
        return {
            "role": self.role, "vendor": vendor, "form": form, "connection": connection,
            "connections": draft_connections(draft=self.draft, kind=vendor.kind),
            "result": self.request.session.pop(TEST_RESULT_KEY.format(draft=self.draft.pk, role=self.role), None),
            "passed": connection_passed(connection) and getattr(self.draft, f"{self.role}_id") == connection.pk,
            "next_url": self.step_url(self.next_step()),
            # Vendors with a sign-in (Rippling App Shop installs) also offer "Connect <vendor>" for a saved connection.
            "install_label": (f"Connect {vendor.label}" if connection is not None
                              and connection_installable(connection=connection) else ""),
            "install_url": (reverse(f"{self.admin_site.name}:connections_connection_connect", args=[connection.pk])
                            if connection is not None else ""),
            "here": f"{self.step_url(self.role)}?connection={connection.pk}" if connection is not None else "",
        }

    def get(self, request):
        connection = self.chosen()
        return self.render(self.context(connection, self.form(connection)))

    def post(self, request):
        connection = self.chosen()
        form = self.form(connection, request.POST)
        if not form.is_valid():
            return self.render(self.context(connection, form), status=400)
        try:
            connection = services.draft_connection_save(
                draft=self.draft, role=self.role, connection=connection, name=form.cleaned_data["name"],
                base_url=form.cleaned_data["base_url"], credentials=form.credentials(), config=form.config(),
                actor=request.user)
            result = services.draft_connection_test(draft=self.draft, role=self.role, actor=request.user)
        except WizardError as error:
            messages.error(request, str(error))
            return redirect(self.step_url(self.role))
        request.session[TEST_RESULT_KEY.format(draft=self.draft.pk, role=self.role)] = {
            "ok": result.ok, "message": result.message}
        return redirect(f"{self.step_url(self.role)}?connection={connection.pk}")


class FormStepView(WizardView):
    """A step that is one form: valid, its service runs and the next step opens; else the page again (400)."""

    error_field: str | None = None  # where a WizardError from the service is shown

    def form(self, data=None):
        raise NotImplementedError

    def save(self, form) -> None:
        raise NotImplementedError

    def context(self, form) -> dict:
        return {"form": form}

    def get(self, request):
        return self.render(self.context(self.form()))

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                self.save(form)
            except WizardError as error:
                form.add_error(self.error_field, str(error))
            else:
                return redirect(self.step_url(self.next_step()))
        return self.render(self.context(form), status=400)


class StreamsView(FormStepView):
    template_name = "wizard/streams.html"
    step = Step.STREAMS
    title = "Choose what to sync"
    error_field = "streams"

    def form(self, data=None) -> StreamsForm:
        flow = get_flow(self.draft.flow_kind)
        options = [*getattr(flow_module(self.draft.flow_kind), "OPTION_CHOICES", ()),
                   *flow_option_choices(integration=self.draft.integration)]  # read live (the monday boards)
        form = StreamsForm(data, streams=flow.streams, options=options, current=self.draft.integration.options)
        form.fields["streams"].initial = self.draft.integration.streams or list(flow.streams)
        return form

    def save(self, form) -> None:
        services.draft_streams_set(draft=self.draft, streams=form.cleaned_data["streams"], actor=self.request.user,
                                   options=form.options())


class MappingsView(FormStepView):
    template_name = "wizard/mappings.html"
    step = Step.MAPPINGS
    title = "Map values and fields"

    def form(self, data=None) -> MappingsForm:
        # Reads both vendors live: once per request, the page travels with the form.
        return MappingsForm(data, page=mapping_page(integration=self.draft.integration))

    def save(self, form) -> None:
        services.draft_mappings_save(draft=self.draft, values=form.values(), fields=form.field_overrides(),
                                     actor=self.request.user)

    def context(self, form) -> dict:
        return {"form": form, "page": form.page}


class ScheduleView(FormStepView):
    template_name = "wizard/schedule.html"
    step = Step.SCHEDULE
    title = "How often to sync"

    def form(self, data=None) -> ScheduleForm:
        every = self.draft.integration.every_minutes or get_flow(self.draft.flow_kind).default_every_minutes
        return ScheduleForm(data, initial={"every_minutes": every})

    def save(self, form) -> None:
        services.draft_schedule_set(draft=self.draft, every_minutes=form.cleaned_data["every_minutes"],
                                    actor=self.request.user)


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


class DiscardView(WizardView):
    step = Step.SOURCE  # reachable from any step

    def post(self, request):
        name = self.draft.name
        services.draft_discard(draft=self.draft, actor=request.user)
        messages.info(request, f"The setup of {name} was discarded; its connections were kept.")
        return redirect(reverse(f"{self.admin_site.name}:wizard_start"))


def wizard_urls(site) -> list:
    """The wizard's URL patterns, wrapped by `site.admin_view` (login, CSRF, never cached)."""

    def page(view_class, **initkwargs):
        return site.admin_view(view_class.as_view(admin_site=site, **initkwargs))

    return [
        path("wizard/", page(StartView), name="wizard_start"),
        path("wizard/<int:draft_id>/source/", page(ConnectionView, role="source"), name="wizard_source"),
        path("wizard/<int:draft_id>/destination/", page(ConnectionView, role="destination"),
             name="wizard_destination"),
        path("wizard/<int:draft_id>/streams/", page(StreamsView), name="wizard_streams"),
        path("wizard/<int:draft_id>/mappings/", page(MappingsView), name="wizard_mappings"),
        path("wizard/<int:draft_id>/schedule/", page(ScheduleView), name="wizard_schedule"),
        path("wizard/<int:draft_id>/preview/", page(PreviewView), name="wizard_preview"),
        path("wizard/<int:draft_id>/enable/", page(EnableView), name="wizard_enable"),
        path("wizard/<int:draft_id>/discard/", page(DiscardView), name="wizard_discard"),
    ]
