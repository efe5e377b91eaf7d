"""The steps that are one form each: what to sync (streams and flow options), value and field mappings, and
the schedule. `FormStepView` holds their common round trip: a valid form runs its service and opens the next step.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from django.shortcuts import redirect

from syncs.flows import flow_module, get_flow
from wizard import services
from wizard.forms import MappingsForm, ScheduleForm, StreamsForm
from wizard.selectors import flow_option_choices, mapping_page
from wizard.services import Step, WizardError
from wizard.views.base import WizardView


class FormStepView(WizardView, ABC):
    """A step that is one form: valid, its service runs and the next step opens; else the page again (400)."""

    error_field: str | None = None  # where a WizardError from the service is shown

    @abstractmethod
    def form(self, data=None):
        """The step's form, bound to `data` when posted."""

    @abstractmethod
    def save(self, form) -> None:
        """Run the step's service with the valid form (a WizardError is shown on `error_field`)."""

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
