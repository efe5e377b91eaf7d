"""Reads for tenants and connections; every selector takes the user or tenant explicitly."""
from __future__ import annotations

from django.db.models import QuerySet

from connections.models import Connection, Membership, Tenant


def tenant_ids_for_user(*, user, managing: bool = False) -> list[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    memberships = Membership.objects.filter(user=user, tenant__is_active=True)
    if managing:
        memberships = memberships.filter(role__in=Membership.MANAGING_ROLES)
    return list(memberships.values_list("tenant_id", flat=True))


def role_for(*, user, tenant_id: int) -> str | None:
    return Membership.objects.filter(user=user, tenant_id=tenant_id).values_list("role", flat=True).first()


def tenants_for_user(*, user) -> QuerySet[Tenant]:
    return Tenant.objects.filter(pk__in=tenant_ids_for_user(user=user))


def connection_list(*, tenant: Tenant, kind: str | None = None) -> QuerySet[Connection]:
    connections = Connection.objects.filter(tenant=tenant)
    return connections.filter(kind=kind) if kind else connections
