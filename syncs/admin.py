from functools import partial

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from audit.models import AuditRecord
from connections.admin_mixins import ServiceDeletionMixin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import FlowFilter
from syncs.admin_forms import OptionsField, is_structured, options_live_set, streams_field
from syncs.admin_health import health_panel_context, schedule_urls
from syncs.admin_operations import ADMIN_CSS, admin_url, object_viewable, post_or_refuse
from syncs.admin_preview import dry_run_view
from syncs.charts import records_over_time_chart, run_history_chart
from syncs.flows import FLOWS, flow_module, get_flow
from syncs.health_selectors import (
    HEALTH_WINDOW_RUNS,
    health_badge,
    integration_health,
    integration_health_annotate,
    run_current,
    run_progress,
)
from syncs.models import Integration, PendingRecord, SyncRun, ValueMapping
from syncs.schedule_words import integration_schedule_words
from syncs.selectors import run_get, run_history
from syncs.services import (
    IntegrationBusy,
    IntegrationError,
    integration_change,
    integration_check_connections,
    integration_check_options,
    integration_create,
    integration_delete,
    integration_options_checked,
    integration_run_now,
)

EDITABLE = ("name", "streams", "every_minutes", "cron", "enabled", "options", "source", "destination")


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ("tenant", "name", "flow_kind", "source", "destination", "streams", "every_minutes", "cron",
                  "enabled", "options")
        labels = {"every_minutes": "Run every … minutes", "cron": "…or on a timetable (crontab, in UTC)",
                  "enabled": "On (runs on its schedule)"}

    options = OptionsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        flow_kind = self.instance.flow_kind if self.instance.pk else None
        if flow_kind and "streams" in self.fields:
            self.fields["streams"] = streams_field(list(get_flow(flow_kind).streams))
        if flow_kind in FLOWS and "options" in self.fields:
            options_live_set(self.fields["options"], integration=self.instance)

    def clean_streams(self):
        return list(self.cleaned_data.get("streams") or [])

    def clean_options(self):
        # The structured options the flow saved itself (board layouts) are not on the page: kept as they are.
        stored = (self.instance.options or {}) if self.instance.pk else {}
        return {**{k: v for k, v in stored.items() if is_structured(v)}, **(self.cleaned_data.get("options") or {})}

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
        try:
            integration_check_options(options=data.get("options") or {})
            if self.instance.pk and "options" in data and data["options"] != (self.instance.options or {}):
                # The flow's own check, as the wizard's (a monday board the token cannot see is refused).
                data["options"] = integration_options_checked(integration=self.instance, options=data["options"])
        except IntegrationError as error:
            raise forms.ValidationError({"options": str(error)}) from None
        return data


def badge_html(badge: str, label: str):
    return format_html('<span class="health-badge health-{}" data-test="health-badge" data-health="{}">{}</span>',
                       badge, badge, label)


def flow_admin_urls(model_admin) -> list:
    """Pages a flow adds to its integrations (its package's optional `admin_urls(model_admin)`)."""
    urls = []
    for kind in sorted(FLOWS):
        urls += getattr(flow_module(kind), "admin_urls", lambda _: [])(model_admin)
    return urls


def flow_dashboard(integration, model_admin) -> dict:
    """A flow's own part of the dashboard (its optional `dashboard_include(integration, model_admin)`:
    {"template": …, **context}), or {}."""
    hook = getattr(flow_module(integration.flow_kind), "dashboard_include", None) if integration.flow_kind in FLOWS \
        else None
    return hook(integration, model_admin) if hook else {}


class IntegrationAdmin(ServiceDeletionMixin, TenantScopedAdmin):
    change_log_type = "integration"
    form = IntegrationForm
    list_display = ("name", "tenant", "flow", "health", "dashboard", "schedule")
    list_filter = (FlowFilter, "enabled")
    fields = ("tenant", "name", "flow_kind", "source", "destination", "streams", "every_minutes", "cron", "enabled",
              "options")

    class Media:
        css = ADMIN_CSS

    def get_queryset(self, request):
        return integration_health_annotate(super().get_queryset(request))

    def has_add_permission(self, request):
        # Customers set integrations up in the wizard ("Set up an integration"); a bare add form beside it
        # would skip the connection tests and the preview. Operators keep Django's form on /ops/.
        return False if self.scoped else super().has_add_permission(request)

    @admin.display(description="Flow", ordering="flow_kind")
    def flow(self, obj):
        try:
            return get_flow(obj.flow_kind).label  # "Rippling → Visma.net", not "rippling_visma"
        except LookupError:
            return obj.flow_kind

    @admin.display(description="Health")
    def health(self, obj):
        return badge_html(*health_badge(obj))

    @admin.display(description="Schedule")
    def schedule(self, obj):
        return integration_schedule_words(obj)  # the dashboard's words (syncs/schedule_words.py)

    @admin.display(description="Dashboard")
    def dashboard(self, obj):
        return format_html('<a href="{}" data-test="dashboard-link">Dashboard</a>',
                           admin_url(self, Integration, "dashboard", obj.pk))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/dashboard/", view(self.dashboard_view), name="syncs_integration_dashboard"),
            path("<path:object_id>/progress/", view(self.progress_view), name="syncs_integration_progress"),
            path("<path:object_id>/run/", view(self.run_now_view), name="syncs_integration_run"),
            *schedule_urls(self),
            path("<path:object_id>/dry-run/", view(partial(dry_run_view, self)), name="syncs_integration_dry_run"),
        ] + flow_admin_urls(self) + super().get_urls()

    def dashboard_view(self, request, object_id):
        integration = object_viewable(self, request, object_id)
        request.current_app = self.admin_site.name
        health = integration_health(integration=integration)
        current = health.current_run
        pending = {"integration": integration.pk}
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": integration,
            "title": f"{integration.name}: dashboard", "integration": integration, "health": health,
            "window_runs": HEALTH_WINDOW_RUNS, "progress": run_progress(run=current) if current else None,
            "runs": run_history(integration=integration), "may_run": self.has_change_permission(request, integration),
            "flow_part": flow_dashboard(integration, self),
            "charts": {"history": run_history_chart(integration=integration),
                       "over_time": records_over_time_chart(integration=integration)},
            "urls": {
                "run": admin_url(self, Integration, "run", integration.pk),
                "progress": admin_url(self, Integration, "progress", integration.pk),
                "change": admin_url(self, Integration, "change", integration.pk),
                "held": admin_url(self, PendingRecord, "changelist", query={**pending, "status__exact": "held"}),
                "pending": admin_url(self, PendingRecord, "changelist", query=pending),
                "audit": admin_url(self, AuditRecord, "changelist", query=pending),
                "runs": admin_url(self, SyncRun, "changelist", query=pending),
                "value_mappings": admin_url(self, ValueMapping, "changelist"),
                "dry_run": admin_url(self, Integration, "dry_run", integration.pk),
            },
            **health_panel_context(self, request, integration, health),
        }
        return TemplateResponse(request, "admin/syncs/integration/dashboard.html", context)

    def progress_view(self, request, object_id):
        """JSON for the dashboard's progress bar: the run asked for (?run=), else the current or latest run."""
        integration = object_viewable(self, request, object_id)
        run_id = request.GET.get("run", "")
        if run_id.isdigit():
            run = run_get(tenant=integration.tenant, pk=int(run_id), integration=integration)
        else:
            run = run_current(integration=integration) or integration.runs.order_by("-queued_at", "-pk").first()
        return JsonResponse({"integration": integration.pk, "run": run_progress(run=run) if run else None})

    def run_now_view(self, request, object_id):
        integration = object_viewable(self, request, object_id)
        post_or_refuse(self, request, integration)
        run = integration_run_now(integration=integration)
        self.message_user(request, f"Run #{run.number} of {integration} is queued; this page follows its progress.",
                          messages.SUCCESS)
        return HttpResponseRedirect(admin_url(self, Integration, "dashboard", integration.pk))

    def get_readonly_fields(self, request, obj=None):
        return ("tenant", "flow_kind") if obj is not None else ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrationBusy as busy:  # raised inside the page's transaction: nothing was saved
            self.message_user(request, str(busy), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            moves = integration_change(integration=obj, actor=request.user,
                                       **{k: data[k] for k in EDITABLE if k in data})
            for move in moves:  # "Supplier invoices now go to board …; the next run fills it; …"
                self.message_user(request, move.sentence, messages.INFO)
        else:
            created = integration_create(tenant=data["tenant"], flow_kind=data["flow_kind"], actor=request.user,
                                         **{k: data[k] for k in EDITABLE if k in data})
            obj.pk = created.pk

    def delete_one(self, obj, *, actor):
        integration_delete(integration=obj, actor=actor)


for site in (customer_site, ops_site):
    site.register(Integration, IntegrationAdmin)

# The other syncs admins live beside this one, one module per page family; importing them registers them.
from syncs import (  # noqa: E402,F401
    admin_approvals,
    admin_inbound,
    admin_intents,
    admin_mappings,
    admin_pending,
    admin_runs,
)
