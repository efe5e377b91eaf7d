"""Sign-up → e-mail → verification → token → my tenants, and what is refused on the way."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.signing import TimestampSigner
from django.urls import reverse
from rest_framework.settings import api_settings

from connections.models import Membership, Tenant
from connections.signup import VERIFICATION_SALT

SIGNUP = reverse("api:signup")
VERIFY = reverse("api:signup-verify")
TOKEN = reverse("api:auth-token")
TENANTS = reverse("api:tenants")
PASSWORD = "plum-harbour-lantern-42"


def signup(client, **overrides):
    data = {"username": "ingrid", "email": "ingrid@acme.example", "password": PASSWORD, "company_name": "Acme AS"}
    return client.post(SIGNUP, {**data, **overrides})


def token_from(message) -> str:
    return re.search(r"^    (\S+:\S+:\S+)$", message.body, re.MULTILINE).group(1)


def test_it_signs_up_verifies_and_lists_the_new_tenant(client_for):
    anonymous = client_for(None)
    response = signup(anonymous)
    assert response.status_code == 201, response.content
    assert response.json()["tenant"] == "acme-as"
    user = get_user_model().objects.get(username="ingrid")
    assert not user.is_active
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER
    assert Tenant.objects.get(slug="acme-as").name == "Acme AS"

    # Not usable before the e-mail address is confirmed, with a message that says why.
    refused = anonymous.post(TOKEN, {"username": "ingrid", "password": PASSWORD})
    assert refused.status_code == 400
    assert "not active yet" in refused.json()["non_field_errors"][0]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ingrid@acme.example"]
    assert "http://testserver/api/v1/signup/verify" in message.body
    verified = anonymous.post(VERIFY, {"token": token_from(message)})
    assert verified.status_code == 200
    assert verified.json() == {"username": "ingrid", "is_active": True}

    issued = anonymous.post(TOKEN, {"username": "ingrid", "password": PASSWORD})
    assert issued.status_code == 200
    tenants = anonymous.get(TENANTS, HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert tenants.status_code == 200
    assert tenants.json()["results"] == [{"slug": "acme-as", "name": "Acme AS", "role": "owner"}]

    # Verifying again is harmless.
    assert anonymous.post(VERIFY, {"token": token_from(message)}).status_code == 200


def test_it_refuses_a_weak_password_with_the_validators_messages(client_for):
    response = signup(client_for(None), password="12345678")
    assert response.status_code == 400
    messages = response.json()["password"]
    assert "This password is too common." in messages
    assert "This password is entirely numeric." in messages
    assert not get_user_model().objects.filter(username="ingrid").exists()
    assert mail.outbox == []


def test_it_refuses_a_password_like_the_username(client_for):
    response = signup(client_for(None), username="lanternharbour", password="lanternharbour1")
    assert response.status_code == 400
    assert "The password is too similar to the username." in response.json()["password"]


def test_it_refuses_a_duplicate_email_or_username(client_for, owner):
    anonymous = client_for(None)
    response = signup(anonymous, email=owner.email.upper())
    assert response.status_code == 400
    assert response.json()["email"] == ["An account with this e-mail address exists already."]
    response = signup(anonymous, username="OWNER")
    assert response.status_code == 400
    assert response.json()["username"] == ["This username is taken."]
    assert mail.outbox == []


def test_it_gives_each_tenant_its_own_slug(client_for, tenant_a):
    anonymous = client_for(None)
    assert signup(anonymous, company_name="Tenant A").json()["tenant"] == "tenant-a-2"


def test_it_creates_nothing_when_the_email_cannot_be_sent(client_for):
    with mock.patch("connections.signup.send_mail", side_effect=ConnectionRefusedError):
        response = signup(client_for(None))
    assert response.status_code == 503
    assert "could not be sent" in response.json()["detail"]
    assert not get_user_model().objects.filter(username="ingrid").exists()
    assert not Tenant.objects.filter(slug="acme-as").exists()


def test_it_throttles_signups(client_for, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "signup": "2/hour"}}
    anonymous = client_for(None)
    assert signup(anonymous, username="a1", email="a1@example.com").status_code == 201
    assert signup(anonymous, username="a2", email="a2@example.com", password="x").status_code == 400
    throttled = signup(anonymous, username="a3", email="a3@example.com")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert not get_user_model().objects.filter(username="a3").exists()


def test_it_refuses_an_expired_or_forged_verification_token(client_for):
    anonymous = client_for(None)
    signup(anonymous)
    token = token_from(mail.outbox[0])
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 48 * 3600 + 60):
        expired = anonymous.post(VERIFY, {"token": token})
    assert expired.status_code == 400
    assert "expired" in expired.json()["token"][0]
    forged = anonymous.post(VERIFY, {"token": token[:-3] + "abc"})
    assert forged.status_code == 400
    assert "not valid" in forged.json()["token"][0]
    assert not get_user_model().objects.get(username="ingrid").is_active


def test_a_token_within_48_hours_still_verifies(client_for):
    anonymous = client_for(None)
    signup(anonymous)
    user = get_user_model().objects.get(username="ingrid")
    signer = TimestampSigner(salt=VERIFICATION_SALT)
    almost_two_days_ago = time.time() - timedelta(hours=47).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=almost_two_days_ago):
        token = signer.sign_object({"user": user.pk, "email": user.email})
    assert anonymous.post(VERIFY, {"token": token}).status_code == 200


def test_a_deactivated_user_cannot_come_back_with_an_old_token(client_for):
    anonymous = client_for(None)
    signup(anonymous)
    token = token_from(mail.outbox[0])
    anonymous.post(VERIFY, {"token": token})
    anonymous.post(TOKEN, {"username": "ingrid", "password": PASSWORD})  # logs in once
    get_user_model().objects.filter(username="ingrid").update(is_active=False)
    response = anonymous.post(VERIFY, {"token": token})
    assert response.status_code == 400
    assert not get_user_model().objects.get(username="ingrid").is_active


def test_a_wrong_password_does_not_reveal_an_unverified_account(client_for):
    anonymous = client_for(None)
    signup(anonymous)
    response = anonymous.post(TOKEN, {"username": "ingrid", "password": "wrong-password-1"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["Unable to log in with the given username and password."]


def test_a_revoked_token_no_longer_authenticates(client_for, owner):
    client = client_for(owner)
    assert client.get(TENANTS).status_code == 200
    owner.auth_token.delete()
    assert client.get(TENANTS).status_code == 401


def test_tenants_lists_each_membership_with_its_role(client_for, owner, member, outsider, tenant_b):
    Membership.objects.create(user=member, tenant=tenant_b, role=Membership.Role.ADMIN)
    assert client_for(member).get(TENANTS).json()["results"] == [
        {"slug": "tenant-a", "name": "Tenant A", "role": "viewer"},
        {"slug": "tenant-b", "name": "Tenant B", "role": "admin"},
    ]
    assert [t["slug"] for t in client_for(outsider).get(TENANTS).json()["results"]] == ["tenant-b"]


def test_an_admin_manages_like_an_owner(client_for, member, tenant_a):
    Membership.objects.filter(user=member).update(role=Membership.Role.ADMIN)
    response = client_for(member).post(reverse("api:connections", kwargs={"tenant_slug": tenant_a.slug}), {
        "kind": "rippling", "name": "By admin", "credentials": {"api_key": "rpl_admin"}})
    assert response.status_code == 201


@pytest.mark.parametrize("url", [TENANTS, reverse("api:vendors"), reverse("api:flows")])
def test_account_wide_lists_need_authentication(client_for, url, owner):
    assert client_for(None).get(url).status_code == 401
    assert client_for(owner).get(url).status_code == 200


def test_the_catalog_tells_which_fields_a_vendor_needs(client_for, owner):
    vendors = {v["kind"]: v for v in client_for(owner).get(reverse("api:vendors")).json()}
    visma = {f["name"]: (f["secret"], f["required"]) for f in vendors["visma"]["credential_fields"]}
    assert visma == {"client_id": (False, True), "client_secret": (True, True), "tenant_id": (False, True),
                     "webhook_secret": (True, False)}
    flows = {f["kind"]: f for f in client_for(owner).get(reverse("api:flows")).json()}
    assert flows["rippling_visma"]["streams"] == ["departments", "employees"]
