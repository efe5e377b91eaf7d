"""Reads for tenants and connections; every selector takes the user or tenant explicitly."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from connections.models import AllowedHost, Connection, Membership, Tenant
from connections.vendors import get_vendor


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


def tenant_allowed_hosts(*, tenant_id: int) -> tuple[str, ...]:
    """Hosts an operator allowlisted for the tenant, on top of each vendor's own domains."""
    return tuple(AllowedHost.objects.filter(tenant_id=tenant_id).values_list("host", flat=True))


def connection_url_refusals(*, tenant_id: int | None, kind: str, urls: dict[str, str]) -> dict[str, str]:
    """{field: why} for the URLs a connection of `kind` of this tenant may not call (checked again at every
    call; this is so a form or serializer can say so before anything is saved). Blank values are skipped."""
    from connections.vendors import get_vendor

    egress = get_vendor(kind).egress_for(tenant_id)
    refusals = {name: egress.url_refusal(url) for name, url in urls.items() if url}
    return {name: f"Not allowed: {why}." for name, why in refusals.items() if why}
def connection_for_webhook_token(*, token: str) -> Connection | None:
    """The connection whose intake URL carries `token` (the token is the tenant's proof here), if active."""
    if not token or len(token) > 64:
        return None
    return Connection.objects.select_related("tenant").filter(webhook_token=token, tenant__is_active=True).first()


def connection_webhook_url(*, connection: Connection) -> str:
    """The full intake URL to give the vendor (SITE_URL is the address the outside world reaches us at)."""
    return settings.SITE_URL.rstrip("/") + reverse("inbound-hook", args=[connection.webhook_token])


def connection_webhooks_registered(*, tenant: Tenant, connection: Connection) -> list[dict]:
    """What the vendor has registered for this connection's intake (asked of the vendor: its API is the
    record), each with `current`: it points at today's intake URL. Empty where we register nothing."""
    if connection.tenant_id != tenant.pk:
        raise Connection.DoesNotExist("No such connection for this tenant.")
    vendor = get_vendor(connection.kind)
    if vendor.registration is None:
        return []
    return vendor.registration.registered(client=vendor.client_for(connection),
                                          intake_url=connection_webhook_url(connection=connection))


# --- for the API ------------------------------------------------------------------------------

def membership_for(*, user, tenant_slug: str) -> Membership | None:
    """The user's membership of an active tenant, or None (the API answers 404 then, never 403)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (Membership.objects.select_related("tenant")
            .filter(user=user, tenant__slug=tenant_slug, tenant__is_active=True).first())


def memberships_for_user(*, user) -> QuerySet[Membership]:
    return (Membership.objects.select_related("tenant")
            .filter(user=user, tenant__is_active=True).order_by("tenant__name", "tenant_id"))


def connection_get(*, tenant: Tenant, pk: int) -> Connection | None:
    return Connection.objects.filter(tenant=tenant, pk=pk).first()


def connection_name_taken(*, tenant: Tenant, name: str, exclude_pk: int | None = None) -> bool:
    connections = Connection.objects.filter(tenant=tenant, name=name)
    if exclude_pk is not None:
        connections = connections.exclude(pk=exclude_pk)
    return connections.exists()


def connection_credentials_summary(*, connection: Connection) -> tuple[list[str], dict[str, str]]:
    """Names of the credentials that are set, and the values of the non-secret ones (ids, user names).

    Secret values never leave here. A connection whose credentials cannot be decrypted (a key was
    dropped from FIELD_ENCRYPTION_KEYS) reports nothing set, so the owner re-enters them.
    """
    from connections.vendors import get_vendor
    from connections.vendors.errors import VendorConfigurationError
    from mlconnector.fields import FieldDecryptionError

    try:
        stored = dict(connection.credentials or {})
    except FieldDecryptionError:
        return [], {}
    try:
        public_names = {f.name for f in get_vendor(connection.kind).credential_fields if not f.secret}
    except VendorConfigurationError:
        public_names = set()
    names = sorted(name for name, value in stored.items() if value not in (None, ""))
    return names, {name: str(stored[name]) for name in names if name in public_names}


def signups_unverified_expired():
    """Users who signed up, never confirmed their address and are past SIGNUP_VERIFY_HOURS: never logged in,
    inactive. (An account an owner or operator deactivated has logged in once, so it is never among them.)"""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(hours=settings.SIGNUP_VERIFY_HOURS)
    return get_user_model().objects.filter(is_active=False, last_login__isnull=True, date_joined__lt=cutoff)


def user_email_taken(*, email: str) -> bool:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(email__iexact=email)
    return users.exclude(pk__in=signups_unverified_expired().values("pk")).exists()


def username_taken(*, username: str) -> bool:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__iexact=username)
    return users.exclude(pk__in=signups_unverified_expired().values("pk")).exists()


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("created_at", "pk")


def membership_get(*, tenant: Tenant, pk: int) -> Membership | None:
    return membership_list(tenant=tenant).filter(pk=pk).first()
