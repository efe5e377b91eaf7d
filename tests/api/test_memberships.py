"""Memberships over the API: members list them; owners and admins change roles and remove members, but an
admin can neither demote nor remove the owner, nor make anyone owner; other tenants' members do not exist."""
import pytest
from django.urls import reverse

from connections.models import Membership
from tests.factories import MembershipFactory

ROLE = Membership.Role


@pytest.fixture
def admin_member(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=ROLE.ADMIN, user__username="admin")


def item(membership):
    return reverse("api:membership", args=[membership.tenant.slug, membership.pk])


def test_members_are_listed_without_addresses(client_for, owner, member):
    listed = client_for(member).get(reverse("api:memberships", args=["tenant-a"])).json()["results"]
    assert [(m["username"], m["role"]) for m in listed] == [("owner", "owner"), ("member", "viewer")]
    assert "email" not in listed[0]


def test_an_admin_cannot_demote_or_remove_the_owner(client_for, owner, admin_member):
    client = client_for(admin_member.user)
    target = Membership.objects.get(user=owner)

    demoted = client.patch(item(target), {"role": ROLE.VIEWER})
    removed = client.delete(item(target))
    promoted = client.patch(item(admin_member), {"role": ROLE.OWNER})

    assert demoted.status_code == removed.status_code == promoted.status_code == 403
    assert "Only an owner" in demoted.json()["detail"]
    assert Membership.objects.get(pk=target.pk).role == ROLE.OWNER
    assert Membership.objects.get(pk=admin_member.pk).role == ROLE.ADMIN


def test_an_admin_manages_the_other_members(client_for, owner, member, admin_member):
    client = client_for(admin_member.user)
    viewer = Membership.objects.get(user=member)

    assert client.patch(item(viewer), {"role": ROLE.ADMIN}).json()["role"] == ROLE.ADMIN
    assert client.delete(item(viewer)).status_code == 204
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_the_last_owner_stays_and_a_viewer_changes_nothing(client_for, owner, member):
    target = Membership.objects.get(user=owner)
    refused = client_for(owner).patch(item(target), {"role": ROLE.ADMIN})
    assert refused.status_code == 403 and "needs an owner" in refused.json()["detail"]
    assert client_for(member).patch(item(target), {"role": ROLE.VIEWER}).status_code == 403
    assert Membership.objects.get(pk=target.pk).role == ROLE.OWNER


def test_an_outsider_finds_no_tenant_a_membership(client_for, owner, outsider):
    client = client_for(outsider)
    target = Membership.objects.get(user=owner)

    assert client.get(reverse("api:memberships", args=["tenant-a"])).status_code == 404
    assert client.patch(item(target), {"role": ROLE.VIEWER}).status_code == 404
    own = Membership.objects.get(user=outsider)
    assert client.patch(reverse("api:membership", args=["tenant-b", target.pk]), {"role": "viewer"}).status_code == 404
    assert client.delete(item(target)).status_code == 404
    assert Membership.objects.get(pk=target.pk).role == ROLE.OWNER and own.role == ROLE.OWNER
