"""Changing who belongs to a tenant and with which role. The owner's membership is protected.

Only an owner may grant, change or remove the owner role (otherwise an admin could promote themselves
and then demote the owner), and a tenant always keeps at least one owner. Staff operators on /ops/
pass `by=None`: they act for the company and may change anything except leaving it without an owner.
"""
from __future__ import annotations

from django.db import transaction

from connections.models import Membership

OWNER = Membership.Role.OWNER


class MembershipRefused(Exception):
    """The change was not made; the message is meant for the person who tried."""


def _is_owner(*, user, tenant_id: int) -> bool:
    return Membership.objects.filter(user=user, tenant_id=tenant_id, role=OWNER).exists()


def _check(*, membership: Membership, new_role: str | None, by) -> None:
    stored = Membership.objects.select_for_update().get(pk=membership.pk) if membership.pk else None
    touches_owner = OWNER in {getattr(stored, "role", None), new_role}
    if by is not None and touches_owner and not _is_owner(user=by, tenant_id=membership.tenant_id):
        raise MembershipRefused("Only an owner can grant, change or remove the owner role.")
    losing_owner = stored is not None and stored.role == OWNER and new_role != OWNER
    if losing_owner and not Membership.objects.filter(tenant_id=membership.tenant_id, role=OWNER).exclude(
            pk=stored.pk).exists():
        raise MembershipRefused("A company needs an owner: make someone else owner first.")


def membership_role_set(*, membership: Membership, role: str, by=None) -> Membership:
    with transaction.atomic():
        _check(membership=membership, new_role=role, by=by)
        membership.role = role
        membership.save()
    return membership


def membership_remove(*, membership: Membership, by=None) -> None:
    with transaction.atomic():
        _check(membership=membership, new_role=None, by=by)
        membership.delete()
