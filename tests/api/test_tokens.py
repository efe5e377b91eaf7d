"""API tokens expire, can be rotated and revoked (API and admin), and expired ones are refused clearly."""
from datetime import timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

TOKEN = reverse("api:auth-token")
ROTATE = reverse("api:auth-token-rotate")
REVOKE = reverse("api:auth-token-revoke")
TENANTS = reverse("api:tenants")
PASSWORD = "correct horse battery staple"


def with_token(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def log_in(user) -> dict:
    response = APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def age(user, days: int) -> None:
    Token.objects.filter(user=user).update(created=timezone.now() - timedelta(days=days))


def test_a_token_lasts_the_configured_days(owner, settings):
    issued = log_in(owner)
    created = Token.objects.get(user=owner).created
    assert issued["expires_at"].startswith((created + timedelta(days=30)).date().isoformat())

    settings.API_TOKEN_TTL_DAYS = 1
    age(owner, 2)
    assert with_token(issued["token"]).get(TENANTS).status_code == 401


def test_an_expired_token_is_refused_with_the_way_out_and_a_new_login_gives_a_fresh_one(owner):
    old = log_in(owner)["token"]
    age(owner, 31)

    refused = with_token(old).get(TENANTS)

    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"] and "/api/v1/auth/token" in refused.json()["detail"]
    new = log_in(owner)["token"]
    assert new != old and with_token(new).get(TENANTS).status_code == 200


def test_rotating_gives_a_new_token_and_refuses_the_old_one(owner):
    old = log_in(owner)["token"]

    rotated = with_token(old).post(ROTATE)

    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != old
    assert with_token(old).get(TENANTS).status_code == 401
    assert with_token(new).get(TENANTS).status_code == 200


def test_revoking_refuses_the_token_at_once(owner):
    key = log_in(owner)["token"]

    assert with_token(key).post(REVOKE).status_code == 204

    assert with_token(key).get(TENANTS).status_code == 401
    assert not Token.objects.filter(user=owner).exists()


def test_rotate_and_revoke_need_a_valid_token_and_touch_only_the_callers(owner, outsider):
    key = log_in(owner)["token"]
    assert APIClient().post(ROTATE).status_code == 401
    assert APIClient().post(REVOKE).status_code == 401
    age(owner, 31)
    assert with_token(key).post(ROTATE).status_code == 401  # an expired token cannot renew itself
    age(owner, 0)

    assert with_token(log_in(outsider)["token"]).post(REVOKE).status_code == 204

    assert with_token(key).get(TENANTS).status_code == 200


def test_in_the_admin_a_user_sees_and_revokes_only_their_own_token(client, owner, outsider):
    log_in(owner)
    log_in(outsider)
    changelist = reverse("customer_admin:authtoken_tokenproxy_changelist")
    client.force_login(outsider)
    assert [t.user for t in client.get(changelist).context["cl"].result_list] == [outsider]
    client.post(changelist, {"action": "revoke", ACTION_CHECKBOX_NAME: [owner.pk]})
    assert Token.objects.filter(user=owner).exists()

    client.force_login(owner)
    old = Token.objects.get(user=owner).key
    rotated = client.post(changelist, {"action": "rotate", ACTION_CHECKBOX_NAME: [owner.pk]}, follow=True)
    new = Token.objects.get(user=owner).key
    assert new != old and new in rotated.content.decode()
    client.post(changelist, {"action": "revoke", ACTION_CHECKBOX_NAME: [owner.pk]})
    assert not Token.objects.filter(user=owner).exists()
