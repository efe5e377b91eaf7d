"""Running and replaying from the admin: who may, and what the user is told afterwards."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from audit.redaction import redact_text
from connections.admin_mixins import TenantScopedAdmin
from connections.vendors.errors import VendorError
from syncs.models import Integration, SyncRun
from syncs.selectors import replay_leftovers
from syncs.services import records_replay

ADMIN_CSS = {"all": ["syncs/admin.css"]}  # the Media of every syncs admin page
SHOWN_LEFTOVERS = 3  # reasons named in a replay's message; the rest are counted


def admin_url(model_admin, model, view: str, *args, query: dict | None = None) -> str:
    meta = model._meta
    url = reverse(f"{model_admin.admin_site.name}:{meta.app_label}_{meta.model_name}_{view}", args=args)
    return url + ("?" + urlencode(query) if query else "")


def object_viewable(model_admin, request, object_id):
    """The object of a custom admin view, through the admin's tenant-scoped queryset: another tenant's is 404."""
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(f"No such {model_admin.model._meta.verbose_name}")
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    return obj


def may_operate(model_admin, request, obj) -> bool:
    """Running and replaying are managing acts, also on read-only admins (runs): owners and admins of obj's
    tenant on the customer site, staff with the change permission on /ops/."""
    return TenantScopedAdmin.has_change_permission(model_admin, request, obj)


def post_or_refuse(model_admin, request, obj) -> None:
    if request.method != "POST" or not may_operate(model_admin, request, obj):
        raise PermissionDenied


def replay_and_report(model_admin, request, integration: Integration, **selection) -> SyncRun | None:
    """Replay inline (as the API does) and tell the user what became of the records, with reasons."""
    try:
        run = records_replay(integration=integration, **selection)
    except VendorError as error:  # only transient ones arrive here; the engine ends the run on permanent ones
        model_admin.message_user(request, (
            f"{integration}: the replay stopped: {redact_text(str(error))} Records not replayed yet are as they "
            "were; replay them again in a few minutes."), messages.ERROR)
        return None
    if run.status == SyncRun.Status.SKIPPED:
        model_admin.message_user(request, f"{integration}: {run.error} Nothing was replayed; try again when it "
                                          "has finished.", messages.WARNING)
        return run
    if not run.read:
        model_admin.message_user(request, f"{integration}: there was nothing left to replay.", messages.INFO)
        return run
    written = run.created + run.updated + run.unchanged
    model_admin.message_user(request, (
        f"{integration}: replayed {run.read} record(s) in run #{run.number}: {written} now succeeded ({run.created} "
        f"created, {run.updated} updated, {run.unchanged} unchanged), {run.failed} still failing, "
        f"{run.held} still held."), messages.WARNING if run.failed or run.held else messages.SUCCESS)
    leftovers = list(replay_leftovers(run=run)[:SHOWN_LEFTOVERS + 1])
    if leftovers:
        named = "; ".join(f"{p.stream}:{p.source_id} ({p.get_status_display().lower()}): {redact_text(p.reason)}"
                          for p in leftovers[:SHOWN_LEFTOVERS])
        more = run.failed + run.held - SHOWN_LEFTOVERS
        model_admin.message_user(request, f"Still not written: {named}" + (f" … and {more} more." if more > 0
                                                                            else ""), messages.WARNING)
    return run
