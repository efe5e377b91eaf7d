"""The integration's Power BI page in the customer admin: pushed batches (lineage) with a Replay action, the
dataset's schema check with an Apply action, and the refresh history of a dependent model.

Pages hang off the integration admin (`admin_urls`, collected from every flow that has them), so the
integration is found through that admin's tenant-scoped queryset: another tenant's is 404, and only the
company's owners and admins may replay or apply (may_operate), as for runs.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from audit.redaction import redact_text
from connections.vendors.errors import VendorError
from syncs.admin_operations import admin_url, may_operate, object_viewable, post_or_refuse
from syncs.flows.visma_powerbi.lineage import push_batch_get, push_batches
from syncs.flows.visma_powerbi.services import (
    FLOW_KIND,
    PowerBIActionError,
    powerbi_schema_apply,
    powerbi_schema_check,
    push_batch_replay,
)
from syncs.models import Integration, SyncRun


def admin_urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view
    return [
        path("<path:object_id>/powerbi/", view(lambda r, object_id: powerbi_view(model_admin, r, object_id)),
             name="syncs_integration_powerbi"),
        path("<path:object_id>/powerbi/batch/<str:batch_id>/",
             view(lambda r, object_id, batch_id: batch_view(model_admin, r, object_id, batch_id)),
             name="syncs_integration_powerbi_batch"),
        path("<path:object_id>/powerbi/batch/<str:batch_id>/replay/",
             view(lambda r, object_id, batch_id: batch_replay_view(model_admin, r, object_id, batch_id)),
             name="syncs_integration_powerbi_replay"),
        path("<path:object_id>/powerbi/schema/apply/",
             view(lambda r, object_id: schema_apply_view(model_admin, r, object_id)),
             name="syncs_integration_powerbi_schema_apply"),
    ]


def _integration(model_admin, request, object_id) -> Integration:
    integration = object_viewable(model_admin, request, object_id)
    if integration.flow_kind != FLOW_KIND:
        raise Http404("This integration does not push to Power BI.")
    return integration


def _context(model_admin, request, integration, title: str) -> dict:
    request.current_app = model_admin.admin_site.name
    return {**model_admin.admin_site.each_context(request), "opts": Integration._meta, "original": integration,
            "integration": integration, "title": title, "may_operate": may_operate(model_admin, request, integration),
            "urls": {"dashboard": admin_url(model_admin, Integration, "dashboard", integration.pk),
                     "change": admin_url(model_admin, Integration, "change", integration.pk),
                     "powerbi": admin_url(model_admin, Integration, "powerbi", integration.pk),
                     "apply": admin_url(model_admin, Integration, "powerbi_schema_apply", integration.pk)}}


def powerbi_view(model_admin, request, object_id):
    integration = _integration(model_admin, request, object_id)
    context = _context(model_admin, request, integration, f"{integration.name}: Power BI")
    try:  # one GET tables: the page says whether the dataset can take our rows before anyone pushes
        context["dataset_id"], context["drift"] = powerbi_schema_check(integration=integration)
    except VendorError as error:
        context["schema_error"] = redact_text(str(error))
    batches = push_batches(tenant=integration.tenant, integration=integration)
    for batch in batches:
        batch.url = admin_url(model_admin, Integration, "powerbi_batch", integration.pk, batch.batch_id)
    context["batches"] = batches
    return TemplateResponse(request, "admin/syncs/powerbi/page.html", context)


def batch_view(model_admin, request, object_id, batch_id):
    integration = _integration(model_admin, request, object_id)
    batch = push_batch_get(tenant=integration.tenant, integration=integration, batch_id=batch_id)
    if batch is None:
        raise Http404("No such batch")
    context = _context(model_admin, request, integration, f"{integration.name}: batch {batch_id}")
    context.update(batch=batch, replay_url=admin_url(model_admin, Integration, "powerbi_replay", integration.pk,
                                                     batch_id))
    return TemplateResponse(request, "admin/syncs/powerbi/batch.html", context)


def batch_replay_view(model_admin, request, object_id, batch_id):
    integration = _integration(model_admin, request, object_id)
    post_or_refuse(model_admin, request, integration)
    back = HttpResponseRedirect(admin_url(model_admin, Integration, "powerbi_batch", integration.pk, batch_id))
    try:
        replay = push_batch_replay(integration=integration, batch_id=batch_id)
    except PowerBIActionError as error:
        raise Http404(str(error)) from None
    except VendorError as error:  # transient: recorded on the run, nothing settled
        model_admin.message_user(request, f"Batch {batch_id}: the replay stopped: {redact_text(str(error))} "
                                          "Replay it again in a few minutes.", messages.ERROR)
        return back
    run = replay.run
    if run.status == SyncRun.Status.SKIPPED:
        model_admin.message_user(request, f"{run.error} Batch {batch_id} was not replayed; try again when it has "
                                          "finished.", messages.WARNING)
    elif run.status == SyncRun.Status.FAILED:
        model_admin.message_user(request, f"Batch {batch_id}: Power BI refused the replay (run #{run.pk}): "
                                          f"{run.error}", messages.ERROR)
    elif replay.rebuilt_rows is not None:
        model_admin.message_user(request, (
            f"Batch {batch_id} replayed in run #{run.pk}: {replay.table} holds one row per record, so it was rebuilt "
            f"({replay.rebuilt_rows} row(s)); {replay.newly_confirmed} row(s) of the batch confirmed now."),
            messages.SUCCESS)
    else:
        model_admin.message_user(request, (
            f"Batch {batch_id} replayed in run #{run.pk}: {replay.rows} row(s) posted again to {replay.table}, "
            f"Power BI answered 200 (RequestId {replay.request_id or 'none'}); {replay.newly_confirmed} row(s) "
            "confirmed now. Each row carries its record's Version, so the report's sums do not change."),
            messages.SUCCESS)
    return back


def schema_apply_view(model_admin, request, object_id):
    integration = _integration(model_admin, request, object_id)
    post_or_refuse(model_admin, request, integration)
    try:
        result = powerbi_schema_apply(integration=integration, actor=request.user)
    except (PowerBIActionError, VendorError) as error:
        model_admin.message_user(request, f"The schema was not applied: {redact_text(str(error))}", messages.ERROR)
    else:
        if result.applied:
            model_admin.message_user(request, (
                f"Applied the declared columns to {', '.join(result.applied)} of dataset {result.dataset_id} "
                "(PUT table; your own extra columns and measures were kept). The next run pushes again."),
                messages.SUCCESS)
        elif not result.left:
            model_admin.message_user(request, (
                f"Dataset {result.dataset_id} already has the declared tables and columns. A column that only the "
                "field mapping writes is the customer's own: add it to the dataset in Power BI, or remove its "
                "mapping in the setup wizard."), messages.INFO)
        if result.left:
            model_admin.message_user(request, (
                f"Not fixable by PUT table: {' '.join(map(str, result.left))} Power BI cannot add a table to a push "
                "dataset: create a new dataset (clear the integration's dataset_id option, or set dataset_name to "
                "a new name) and the next run creates it."), messages.ERROR)
    return HttpResponseRedirect(admin_url(model_admin, Integration, "powerbi", integration.pk))


def dashboard_part(integration, model_admin) -> dict:
    """The dashboard's Power BI part (templates/admin/syncs/powerbi/dashboard.html): a link to the page and
    the dependent model's refresh history, as recorded (refresh.py), without asking Power BI."""
    from syncs.flows.visma_powerbi.refresh import REFRESHES_PER_DAY, refresh_history, refreshes_today

    options = integration.options or {}
    return {"template": "admin/syncs/powerbi/dashboard.html",
            "page_url": admin_url(model_admin, Integration, "powerbi", integration.pk),
            "refresh_dataset_id": options.get("refresh_dataset_id", ""),
            "refreshes": refresh_history(integration=integration), "refreshes_per_day": REFRESHES_PER_DAY,
            "refreshes_today": refreshes_today(integration=integration)}
