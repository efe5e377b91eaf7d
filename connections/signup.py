"""Self-service sign-up: a user, their company (tenant) and owner membership; e-mail verification; API tokens
(expiring, rotated and revoked here).

Kept apart from services.py (tenants and connections) because it is about people and accounts.
A new user stays inactive until they prove they own the e-mail address: the verification token
is the user id and address signed with TimestampSigner, so nothing is stored and it expires by itself.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from connections.models import Tenant
from connections.selectors import signups_unverified_expired
from connections.services import tenant_create

logger = logging.getLogger(__name__)

VERIFICATION_SALT = "connections.signup.verify"


class SignupError(Exception):
    """Sign-up or verification refused; the message is meant for the person signing up."""


class SignupEmailFailed(SignupError):
    """The verification e-mail could not be sent; nothing was created."""


class LoginRefused(Exception):
    """A token was not issued; the message is meant for the person logging in."""


@dataclass(frozen=True)
class Signup:
    user: object
    tenant: Tenant


def verification_token_make(*, user) -> str:
    return signing.TimestampSigner(salt=VERIFICATION_SALT).sign_object({"user": user.pk, "email": user.email})


def tenant_slug_free(*, name: str) -> str:
    """A unique slug for a new tenant, from its name: "Acme AS" → acme-as, acme-as-2, …"""
    base = (slugify(name) or "company")[:50].strip("-") or "company"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def signup_create(*, username: str, email: str, password: str, company_name: str, verify_url: str) -> Signup:
    """Create the user (inactive), the tenant and the owner membership, and mail the verification token.

    All or nothing: if the e-mail cannot be sent, no account exists and the person may simply try again.
    The caller validates the password and uniqueness first; the database enforces the username.
    """
    User = get_user_model()
    hours = settings.SIGNUP_VERIFY_HOURS
    with transaction.atomic():
        # An expired, never confirmed sign-up holding this name or address gives it up now, not at the next purge.
        signups_expire(username=username)
        signups_expire(email=email)
        user = User.objects.create_user(username=username, email=email, password=password, is_active=False)
        tenant = tenant_create(name=company_name, slug=tenant_slug_free(name=company_name), owner=user)
        token = verification_token_make(user=user)
        try:
            send_mail(
                subject="Confirm your ml-connector account",
                message=(
                    f"Hello {username},\n\n"
                    f"an ml-connector account for {company_name} was created with this address. "
                    f"Confirm it within {hours} hours by sending this token:\n\n"
                    f"    {token}\n\n"
                    f"to {verify_url}, for example:\n\n"
                    f"    curl -X POST {verify_url} -H 'Content-Type: application/json' "
                    f"-d '{{\"token\": \"{token}\"}}'\n\n"
                    "If you did not sign up, ignore this e-mail; the account is deleted when the token expires.\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[email],
            )
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("Sign-up e-mail to a new user could not be sent: %s", type(error).__name__)
            raise SignupEmailFailed("The confirmation e-mail could not be sent; please try again later.") from None
    return Signup(user=user, tenant=tenant)


def signup_verify(*, token: str):
    """Activate the user the token was issued to. Verifying twice is harmless."""
    try:
        data = signing.TimestampSigner(salt=VERIFICATION_SALT).unsign_object(
            token, max_age=timedelta(hours=settings.SIGNUP_VERIFY_HOURS))
    except signing.SignatureExpired:
        raise SignupError(f"This confirmation token has expired (tokens are valid for {settings.SIGNUP_VERIFY_HOURS} "
                          "hours). Sign up again.") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise SignupError("This confirmation token is not valid. Copy it exactly as it appears in the e-mail.") from None
    user_id = data.get("user") if isinstance(data, dict) else None
    user = get_user_model().objects.filter(pk=user_id, email=data.get("email")).first() if user_id else None
    if user is None:
        raise SignupError("This confirmation token does not belong to any account.")
    if user.is_active:
        return user
    if user.last_login is not None:
        # Once used, an account deactivated by an admin must not come back with an old token.
        raise SignupError("This account was deactivated; ask your company's owner.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def signups_expire(*, username: str = "", email: str = "") -> int:
    """Delete sign-ups never confirmed within SIGNUP_VERIFY_HOURS, with the company each created, so the
    username and address are free again. A user who meanwhile belongs to another tenant, or whose tenant
    has connections or anyone else, is left alone. Returns how many were deleted."""
    users = signups_unverified_expired()
    if username:
        users = users.filter(username__iexact=username)
    if email:
        users = users.filter(email__iexact=email)
    deleted = 0
    for user in users:
        tenants = list(Tenant.objects.filter(memberships__user=user))
        if any(t.memberships.exclude(user=user).exists() or t.connections.exists() for t in tenants):
            continue
        try:
            with transaction.atomic():
                Tenant.objects.filter(pk__in=[t.pk for t in tenants]).delete()
                user.delete()
        except ProtectedError:  # something (an audit row) points at the tenant: not an empty sign-up
            continue
        deleted += 1
    return deleted


def auth_token_obtain(*, username: str, password: str, request=None) -> Token:
    """The user's API token (created on first use), for a correct username and password."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        dormant = get_user_model().objects.filter(username=username, is_active=False).first()
        # Only someone who knows the password learns that the account exists but is not confirmed.
        if dormant is not None and dormant.check_password(password):
            raise LoginRefused("This account is not active yet. Confirm your e-mail address first: "
                               "send the token from the sign-up e-mail to /api/v1/signup/verify.")
        raise LoginRefused("Unable to log in with the given username and password.")
    update_last_login(None, user)
    token = Token.objects.filter(user=user).first()
    if token is None or auth_token_expired(token=token):
        return auth_token_rotate(user=user)
    return token


# --- API tokens: one per user (DRF's Token), valid API_TOKEN_TTL_DAYS from when it was issued ---------------

def auth_token_expires_at(*, token: Token):
    return token.created + timedelta(days=settings.API_TOKEN_TTL_DAYS)


def auth_token_expired(*, token: Token) -> bool:
    return timezone.now() >= auth_token_expires_at(token=token)


def auth_token_rotate(*, user) -> Token:
    """A new token for `user`; the old one (if any) is refused from now on."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def auth_token_revoke(*, user) -> bool:
    """Delete the user's token; True if there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
