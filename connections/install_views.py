"""The "Connect <vendor>" button and the OAuth callback, on the customer admin site (connections/installs.py)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from connections.installs import (
    InstallRefused,
    connection_installable,
    oauth_install_complete,
    oauth_install_start,
    oauth_install_state_take,
)
from connections.models import Connection
from connections.selectors import tenant_ids_for_user
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError


def callback_url(site_name: str) -> str:
    """The redirect URL registered with the vendor's app: the public address, not whatever Host was asked."""
    return settings.SITE_URL.rstrip("/") + reverse(f"{site_name}:connections_connection_oauth_callback")


def managed_connection(request, connection_id) -> Connection:
    connection = Connection.objects.filter(
        pk=connection_id, tenant_id__in=tenant_ids_for_user(user=request.user, managing=True)).first()
    if connection is None:
        raise Http404("No such connection")
    return connection


def install_start_view(request, site_name: str, object_id):
    if request.method != "POST":  # a state-changing step: POST with the CSRF token, never a link
        raise PermissionDenied
    connection = managed_connection(request, object_id)
    if not connection_installable(connection=connection):
        raise Http404("This vendor is not connected by signing in.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    try:
        start = oauth_install_start(connection=connection, user=request.user, session=request.session,
                                    redirect_uri=callback_url(site_name), next_url=next_url)
    except VendorError as error:
        messages.error(request, f"{connection.name}: {error}")
        return HttpResponseRedirect(change_url(site_name, connection))
    return HttpResponseRedirect(start.authorize_url)


def install_callback_view(request, site_name: str):
    try:
        started = oauth_install_state_take(session=request.session, state=request.GET.get("state", ""),
                                           user=request.user,
                                           tenant_ids=tenant_ids_for_user(user=request.user, managing=True))
    except InstallRefused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse(f"{site_name}:connections_connection_changelist"))
    connection = managed_connection(request, started["connection"])
    back = started["next"] or change_url(site_name, connection)
    label = get_vendor(connection.kind).label
    if request.GET.get("error") or not request.GET.get("code"):
        said = request.GET.get("error_description") or request.GET.get("error") or "no code was sent back"
        messages.error(request, f"{connection.name}: {label} did not grant access ({said[:200]}).")
        return HttpResponseRedirect(back)
    try:
        result = oauth_install_complete(connection=connection, code=request.GET["code"],
                                        redirect_uri=started["redirect_uri"], actor=request.user)
    except InstallRefused as refused:
        messages.error(request, f"{connection.name}: {refused}")
        return HttpResponseRedirect(back)
    level = messages.SUCCESS if result.ok else messages.ERROR
    messages.add_message(request, level, f"{connection.name}: connected through {label}. {result.message}")
    return HttpResponseRedirect(back)


def change_url(site_name: str, connection: Connection) -> str:
    return reverse(f"{site_name}:connections_connection_change", args=[connection.pk])
