"""Who may do what under /api/v1/tenants/<tenant_slug>/.

The tenant comes from the URL and is checked against the caller's membership on every request:
members read, owners and admins also write, and for everyone else the tenant does not exist
(404, never 403, so tenant slugs cannot be probed).
"""
from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from connections.models import Membership
from connections.selectors import membership_for


def tenant_membership(request, view) -> Membership:
    """The caller's membership of the URL's tenant, looked up once per request."""
    membership = getattr(request, "_tenant_membership", None)
    if membership is None:
        membership = membership_for(user=request.user, tenant_slug=view.kwargs.get("tenant_slug", ""))
        if membership is None:
            raise NotFound("No such tenant.")
        request._tenant_membership = membership
    return membership


class IsTenantMember(BasePermission):
    def has_permission(self, request, view):
        return tenant_membership(request, view) is not None


class IsTenantManager(BasePermission):
    message = "Only the tenant's owners and admins can change this; your role is read-only."

    def has_permission(self, request, view):
        return tenant_membership(request, view).role in Membership.MANAGING_ROLES
