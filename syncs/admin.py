from functools import partial

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from audit.models import AuditRecord
from audit.names import record_name_for
from audit.selectors import audit_record_story
from connections.admin_mixins import ReadOnlyTenantScopedAdmin, ServiceDeletionMixin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import FlowFilter, IntegrationFilter, LastRunFilter
from syncs.admin_forms import OptionsField, streams_field
from syncs.admin_health import health_panel_context, schedule_urls
from syncs.admin_operations import admin_url, may_operate, object_viewable, post_or_refuse, replay_and_report
from syncs.admin_preview import dry_run_view
from syncs.admin_value_mappings import ValueMappingChoicesMixin
from syncs.charts import records_over_time_chart, run_history_chart
from syncs.flows import FLOWS, flow_module, get_flow
from syncs.mapping_services import (
    MappingError,
    field_mapping_check,
    field_mapping_delete,
    field_mapping_set,
    value_mapping_delete,
)
from syncs.approvals import APPROVAL_KEY
from syncs.models import FieldMapping, Integration, JournalApproval, PendingRecord, SyncRun, ValueMapping
from syncs.selectors import (
    HEALTH_WINDOW_RUNS,
    health_badge,
    integration_health,
    integration_health_annotate,
    run_current,
    run_get,
    run_history,
    run_progress,
    run_unresolved_count,
)
from syncs.services import (
    IntegrationError,
    integration_check_connections,
    integration_check_options,
    integration_create,
    integration_delete,
    integration_run_now,
    integration_update,
    value_mapping_set,
)
from syncs.templatetags.syncs_admin import run_duration
from syncs.words import column_label, map_label, missing_mapping_label

EDITABLE = ("name", "streams", "every_minutes", "cron", "enabled", "options", "source", "destination")


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ("tenant", "name", "flow_kind", "source", "destination", "streams", "every_minutes", "cron",
                  "enabled", "options")

    options = OptionsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        flow_kind = self.instance.flow_kind if self.instance.pk else None
        if flow_kind and "streams" in self.fields:
            self.fields["streams"] = streams_field(list(get_flow(flow_kind).streams))

    def clean_streams(self):
        return list(self.cleaned_data.get("streams") or [])

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
        except IntegrationError as error:
            raise forms.ValidationError({"options": str(error)}) from None
        return data


ADMIN_CSS = {"all": ["syncs/admin.css"]}


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
    form = IntegrationForm
    list_display = ("name", "tenant", "flow", "health", "dashboard", "enabled", "every_minutes", "cron")
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

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            integration_update(integration=obj, actor=request.user, **{k: data[k] for k in EDITABLE if k in data})
        else:
            created = integration_create(tenant=data["tenant"], flow_kind=data["flow_kind"], actor=request.user,
                                         **{k: data[k] for k in EDITABLE if k in data})
            obj.pk = created.pk

    def delete_one(self, obj, *, actor):
        integration_delete(integration=obj, actor=actor)


class SyncRunAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("run_number", "status", "finished_at", "duration", "integration", "created", "updated", "held",
                    "failed", "read", "unchanged", "trigger", "queued_at")
    list_display_links = ("run_number",)
    list_filter = (IntegrationFilter, "status", "trigger")
    list_select_related = ("integration",)
    fields = ("integration", "run_number", "status", "trigger", "dry_run", "read", "created", "updated", "unchanged",
              "held", "failed", "requests_made", "error", "queued_at", "started_at", "finished_at", "duration",
              "audit_trail")
    readonly_fields = fields

    class Media:
        css = ADMIN_CSS

    @admin.display(description="Run", ordering="number")
    def run_number(self, obj):
        return f"#{obj.number}"

    @admin.display(description=column_label("http_calls"))
    def requests_made(self, obj):
        return obj.http_calls

    @admin.display(description="Duration")
    def duration(self, obj):
        return run_duration(obj)

    @admin.display(description="Audit trail")
    def audit_trail(self, obj):
        url = admin_url(self, AuditRecord, "changelist", query={"run": obj.pk})
        return format_html('<a href="{}" data-test="run-audit-link">Every record of this run</a>', url)

    def get_urls(self):
        return [path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view),
                     name="syncs_syncrun_replay")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context = {**(extra_context or {}), "unresolved": run_unresolved_count(run=run),
                             "may_replay": may_operate(self, request, run),
                             "replay_url": admin_url(self, SyncRun, "replay", run.pk),
                             "dashboard_url": admin_url(self, Integration, "dashboard", run.integration_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def replay_view(self, request, object_id):
        run = object_viewable(self, request, object_id)
        post_or_refuse(self, request, run)
        replay_and_report(self, request, run.integration, from_run=run)
        return HttpResponseRedirect(admin_url(self, SyncRun, "change", run.pk))


for site in (customer_site, ops_site):
    site.register(Integration, IntegrationAdmin)
    site.register(SyncRun, SyncRunAdmin)


class ValueMappingAdmin(ValueMappingChoicesMixin, ServiceDeletionMixin, TenantScopedAdmin):
    """Creating a mapping here releases the records held for it (through value_mapping_set); changing one offers
    to re-apply it to the records written with its old target (syncs/admin_value_mappings.py)."""

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
    def clean(self):
        cleaned = super().clean()
        integration, stream = cleaned.get("integration"), cleaned.get("stream")
        if integration is not None and stream:
            try:
                field_mapping_check(integration=integration, stream=stream, source_field=cleaned.get("source_field"),
                                    default=cleaned.get("default"))
            except MappingError as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


class FieldMappingAdmin(ServiceDeletionMixin, TenantScopedAdmin):
    form = FieldMappingForm
    list_display = ("integration", "stream", "target_field", "source_field", "value_map", "default")
    list_filter = ("stream",)
    fields = ("integration", "stream", "target_field", "source_field", "value_map", "default")

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


FAILED_HINT = ("Correct what the reason names (at the source, or in the value mapping that produced it), then "
               "replay the record.")


class PendingRecordAdmin(ReadOnlyTenantScopedAdmin):
    """Held, failed and quarantined records: why, and what to do about them."""

    # Key columns first (what, why, what to do): they stay in view on narrow screens (issue #16).
    list_display = ("record", "status", "reason", "fix", "stream", "integration", "attempts", "updated_at")
    list_display_links = ("record",)
    list_filter = (IntegrationFilter, "status", "stream", LastRunFilter)
    list_select_related = ("integration",)
    search_fields = ("source_id", "reason", "missing_key")
    readonly_fields = ("integration", "stream", "source_id", "status", "reason", "missing_key", "fix", "attempts",
                       "last_run", "created_at", "updated_at")
    fields = readonly_fields
    actions = ["replay"]

    @admin.display(description="Record", ordering="source_id")
    def record(self, obj):
        name = record_name_for(tenant=obj.tenant_id, integration_id=obj.integration_id, stream=obj.stream,
                               source_ref=obj.source_id)
        if not name:
            return obj.source_id
        return format_html('{} <span class="quiet record-id">{}</span>', name, obj.source_id)

    @admin.display(description="What to do")
    def fix(self, obj):
        if obj.status == PendingRecord.Status.HELD and obj.missing_key:
            map_name, _, source_value = obj.missing_key.partition(":")
            if map_name == APPROVAL_KEY and source_value.isdigit():  # a journal waiting for a second person
                return format_html('<a href="{}" data-test="journal-approval-link">Review the journal</a>',
                                   admin_url(self, JournalApproval, "change", int(source_value)))
            existing = ValueMapping.objects.filter(integration_id=obj.integration_id, map_name=map_name,
                                                   source_value=source_value).first()
            if existing is not None:  # mapped to a value the destination refuses (a pay code to a closed account)
                return format_html('<a href="{}" data-test="correct-mapping">Correct the mapping</a>',
                                   admin_url(self, ValueMapping, "change", existing.pk))
            url = admin_url(self, ValueMapping, "add", query={
                "integration": obj.integration_id, "map_name": map_name, "source_value": source_value})
            return format_html('<a href="{}" class="create-missing-mapping" data-test="create-missing-mapping">'
                               'Create the missing mapping</a>', url)
        if obj.status in (PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED):
            # The vendor's hint (stored with its words) says what to correct; the record's page has Replay.
            return format_html('{} <a href="{}" data-test="open-to-replay">Open it to replay</a>',
                               obj.error_hint or FAILED_HINT, admin_url(self, PendingRecord, "change", obj.pk))
        return ""

    @admin.display(description="What to do")
    def fix_for_viewers(self, obj):
        # Viewers cannot create mappings or replay: no link to a page that would refuse them.
        if obj.status == PendingRecord.Status.HELD and obj.missing_key.startswith(f"{APPROVAL_KEY}:"):
            return "Waits for an owner or admin to approve its journal."
        if obj.status == PendingRecord.Status.HELD and obj.missing_key:
            return (f"Waits for the mapping {missing_mapping_label(obj.missing_key)}; an owner or admin of the "
                    "company can create it.")
        if obj.status in (PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED):
            return "An owner or admin can replay it once the cause is fixed."
        return ""

    def fix_shown(self, request, obj=None) -> str:
        return "fix" if self.has_change_permission(request, obj) else "fix_for_viewers"

    def get_list_display(self, request):
        return tuple(self.fix_shown(request) if f == "fix" else f for f in self.list_display)

    def get_fields(self, request, obj=None):
        return tuple(self.fix_shown(request, obj) if f == "fix" else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    class Media:
        css = ADMIN_CSS

    def has_change_permission(self, request, obj=None):
        # Needed for actions; the form itself has only read-only fields.
        return TenantScopedAdmin.has_change_permission(self, request, obj)

    def get_urls(self):
        return [path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view),
                     name="syncs_pendingrecord_replay")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pending = self.get_object(request, object_id)
        if pending is not None:
            story = audit_record_story(tenant=pending.tenant, integration_id=pending.integration_id,
                                       stream=pending.stream, source_ref=pending.source_id).last()
            extra_context = {
                **(extra_context or {}),
                "may_replay": (pending.status != PendingRecord.Status.RESOLVED
                               and self.has_change_permission(request, pending)),
                "replay_url": admin_url(self, PendingRecord, "replay", pending.pk),
                "story_url": admin_url(self, AuditRecord, "story", story.pk) if story else ""}
        return super().change_view(request, object_id, form_url, extra_context)

    def replay_view(self, request, object_id):
        """Replay one record (from its page or its story), then go back where the button was."""
        pending = object_viewable(self, request, object_id)
        post_or_refuse(self, request, pending)
        if pending.status == PendingRecord.Status.RESOLVED:
            self.message_user(request, f"{pending.stream}:{pending.source_id} is already written; nothing to replay.",
                              messages.INFO)
        else:
            replay_and_report(self, request, pending.integration, pending_ids=[pending.pk])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = admin_url(self, PendingRecord, "change", pending.pk)
        return HttpResponseRedirect(back)

    @admin.action(description="Replay selected records", permissions=["change"])
    def replay(self, request, queryset):
        by_integration: dict[int, list[int]] = {}
        for pending in queryset.exclude(status=PendingRecord.Status.RESOLVED):
            if self.has_change_permission(request, pending):
                by_integration.setdefault(pending.integration_id, []).append(pending.pk)
        if not by_integration:
            self.message_user(request, "None of the selected records is waiting to be replayed.", messages.INFO)
        for integration_id, ids in by_integration.items():
            replay_and_report(self, request, Integration.objects.get(pk=integration_id), pending_ids=ids)


for site in (customer_site, ops_site):
    site.register(ValueMapping, ValueMappingAdmin)
    site.register(FieldMapping, FieldMappingAdmin)
    site.register(PendingRecord, PendingRecordAdmin)

from syncs import admin_approvals, admin_inbound, admin_intents  # noqa: E402,F401  (register the approval, inbound-event and write-intent admins)
