"""The dashboard's dry run: run one now (owners and admins) and read it as the wizard's preview does."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from audit.redaction import redact_text
from syncs.admin_operations import admin_url, may_operate, object_viewable, post_or_refuse
from syncs.models import Integration, ValueMapping
from syncs.preview import integration_dry_run, latest_dry_run, preview_of

DRY_RUN_LIMIT_MAX = 100


class DryRunForm(forms.Form):
    limit = forms.IntegerField(min_value=1, max_value=DRY_RUN_LIMIT_MAX, initial=10,
                               label="Records per stream to preview")
    from_start = forms.BooleanField(required=False, initial=True, label="Read from the start",
                                    help_text="As a first sync would, so records already written show what would "
                                              "change; unticked, only what changed at the source since the last run.")


def dry_run_view(model_admin, request, object_id):
    integration = object_viewable(model_admin, request, object_id)
    here = admin_url(model_admin, Integration, "dry_run", integration.pk)
    form = DryRunForm(request.POST or None)
    if request.method == "POST":
        post_or_refuse(model_admin, request, integration)
        if form.is_valid():
            run = integration_dry_run(integration=integration, limit=form.cleaned_data["limit"],
                                      from_start=form.cleaned_data["from_start"])
            if run.error:
                model_admin.message_user(request, f"The dry run stopped: {redact_text(run.error)}", messages.ERROR)
            return HttpResponseRedirect(here)
    request.current_app = model_admin.admin_site.name
    run = latest_dry_run(integration=integration)
    context = {
        **model_admin.admin_site.each_context(request), "opts": Integration._meta, "original": integration,
        "integration": integration, "title": f"{integration.name}: dry run", "form": form,
        "preview": preview_of(run=run) if run is not None else None,
        "may_run": may_operate(model_admin, request, integration), "may_fix": may_operate(model_admin, request,
                                                                                          integration),
        "mapping_add_url": admin_url(model_admin, ValueMapping, "add"),
        "dashboard_url": admin_url(model_admin, Integration, "dashboard", integration.pk),
    }
    return TemplateResponse(request, "admin/syncs/integration/dry_run.html", context)
