"""The dashboard's health panel: what it needs beyond the health figures, and the Pause / Resume buttons.

Kept apart from syncs/admin.py so the dashboard view only adds `health_panel_context(...)` to its context.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from syncs.admin_operations import admin_url, may_operate, object_viewable, post_or_refuse
from syncs.models import Integration
from syncs.schedule_words import integration_schedule_words
from syncs.schedules import schedule_pause, schedule_resume


def health_panel_context(model_admin, request, integration: Integration, health) -> dict:
    """The connection actions of each problem (test again, reconnect) and the schedule buttons."""
    site = model_admin.admin_site.name
    dashboard = admin_url(model_admin, Integration, "dashboard", integration.pk)
    fixes = {}
    for problem in health.problems:
        if problem.connection is not None:
            fixes[problem.connection.pk] = {
                "test": reverse(f"{site}:connections_connection_test", args=[problem.connection.pk]),
                "reconnect": reverse(f"{site}:connections_connection_change", args=[problem.connection.pk]),
            }
    return {
        "connection_fixes": fixes, "back": dashboard, "schedule_words": integration_schedule_words(integration),
        "may_manage": may_operate(model_admin, request, integration),
        "schedule_urls": {"pause": admin_url(model_admin, Integration, "pause", integration.pk),
                          "resume": admin_url(model_admin, Integration, "resume", integration.pk)},
    }


def schedule_urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view
    return [
        path("<path:object_id>/pause/", view(lambda request, object_id: _switch(model_admin, request, object_id,
                                                                               pause=True)),
             name="syncs_integration_pause"),
        path("<path:object_id>/resume/", view(lambda request, object_id: _switch(model_admin, request, object_id,
                                                                                pause=False)),
             name="syncs_integration_resume"),
    ]


def _switch(model_admin, request, object_id, *, pause: bool):
    integration = object_viewable(model_admin, request, object_id)
    post_or_refuse(model_admin, request, integration)
    if pause:
        schedule_pause(integration=integration, actor=request.user)
        model_admin.message_user(request, f"{integration.name} is paused: no scheduled runs until you resume it. "
                                          "“Run now” still works.", messages.SUCCESS)
    else:
        schedule_resume(integration=integration, actor=request.user)
        model_admin.message_user(request, f"{integration.name} is running on its schedule again.", messages.SUCCESS)
    return HttpResponseRedirect(admin_url(model_admin, Integration, "dashboard", integration.pk))
