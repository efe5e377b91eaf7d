"""The owner's membership: an admin can neither demote nor remove it, nor make themselves owner."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from connections.memberships import MembershipRefused, membership_remove, membership_role_set
from connections.models import Membership
from tests.factories import MembershipFactory

ROLE = Membership.Role


@pytest.fixture
def admin_member(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=ROLE.ADMIN, user__username="admin")


def owner_membership(owner):
    return Membership.objects.get(user=owner)


def change_url(membership):
    return reverse("customer_admin:connections_membership_change", args=[membership.pk])


def test_an_admin_cannot_demote_the_owner(client, owner, admin_member):
    client.force_login(admin_member.user)
    target = owner_membership(owner)

    page = client.get(change_url(target))
    assert page.status_code == 200 and 'name="role"' not in page.content.decode()  # shown read-only
    client.post(change_url(target), {"role": ROLE.VIEWER})

    assert owner_membership(owner).role == ROLE.OWNER


def test_an_admin_cannot_remove_the_owner(client, owner, admin_member):
    client.force_login(admin_member.user)
    target = owner_membership(owner)

    assert client.post(reverse("customer_admin:connections_membership_delete", args=[target.pk]),
                       {"post": "yes"}).status_code == 403
    client.post(reverse("customer_admin:connections_membership_changelist"),
                {"action": "delete_selected", ACTION_CHECKBOX_NAME: [target.pk], "post": "yes"})

    assert Membership.objects.filter(pk=target.pk, role=ROLE.OWNER).exists()


def test_an_admin_cannot_make_themselves_owner(client, owner, admin_member):
    client.force_login(admin_member.user)

    page = client.post(change_url(admin_member), {"role": ROLE.OWNER})

    assert page.status_code == 200 and "not one of the available choices" in page.content.decode()
    assert Membership.objects.get(pk=admin_member.pk).role == ROLE.ADMIN
    with pytest.raises(MembershipRefused, match="Only an owner"):
        membership_role_set(membership=admin_member, role=ROLE.OWNER, by=admin_member.user)


def test_an_owner_hands_over_and_the_last_owner_stays(client, owner, admin_member):
    with pytest.raises(MembershipRefused, match="needs an owner"):
        membership_role_set(membership=owner_membership(owner), role=ROLE.VIEWER, by=owner)
    with pytest.raises(MembershipRefused, match="needs an owner"):
        membership_remove(membership=owner_membership(owner), by=owner)
    client.force_login(owner)

    client.post(change_url(admin_member), {"role": ROLE.OWNER})
    client.post(change_url(owner_membership(owner)), {"role": ROLE.ADMIN})

    assert Membership.objects.get(pk=admin_member.pk).role == ROLE.OWNER
    assert owner_membership(owner).role == ROLE.ADMIN


def test_an_outsider_cannot_touch_tenant_a_memberships(client, owner, outsider):
    client.force_login(outsider)
    target = owner_membership(owner)

    assert client.post(change_url(target), {"role": ROLE.VIEWER}).status_code in (302, 404)
    assert client.post(reverse("customer_admin:connections_membership_delete", args=[target.pk]),
                       {"post": "yes"}).status_code in (302, 404)

    assert owner_membership(owner).role == ROLE.OWNER
