"""Writes for tenants and connections. Views, admin, API and tasks call these."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.redaction import redact_text
from connections.models import Connection, Membership, Tenant, webhook_token_new
from connections.selectors import connection_webhook_url
from connections.vendors import get_vendor
from connections.vendors.errors import VendorConfigurationError, VendorError
from mlconnector.fields import FieldDecryptionError
from notifications.hooks import connection_tested


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str


def tenant_create(*, name: str, slug: str, owner=None) -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.create(name=name, slug=slug)
        if owner is not None:
            Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.OWNER)
    return tenant


def connection_create(*, tenant: Tenant, kind: str, name: str, base_url: str = "", credentials: dict,
                      config: dict | None = None) -> Connection:
    vendor = get_vendor(kind)
    return Connection.objects.create(
        tenant=tenant, kind=kind, name=name, base_url=base_url or vendor.default_base_url,
        credentials=dict(credentials), config=dict(config or {}),
    )


def connection_update(*, connection: Connection, name: str | None = None, base_url: str | None = None,
                      credentials: dict | None = None, config: dict | None = None) -> Connection:
    """Update a connection; blank credential values keep what is stored (secrets are write-only)."""
    if name is not None:
        connection.name = name
    if base_url is not None:
        connection.base_url = base_url
    if credentials:
        merged = dict(connection.credentials or {})
        merged.update({k: v for k, v in credentials.items() if v not in (None, "")})
        connection.credentials = merged
    if config is not None:
        connection.config = dict(config)
    # A changed connection is untested again.
    connection.status = Connection.Status.UNTESTED
    connection.save()
    return connection


def connection_webhook_token_rotate(*, connection: Connection) -> str:
    """Give the connection a new intake URL; the old one answers 404 from now on. Returns the new token.
    Where we registered the URL at the vendor ourselves (Paychex hooks), the new one is registered in its
    place (a VendorError then says the vendor still has the old one); elsewhere the owner tells the vendor."""
    token = webhook_token_new()
    Connection.objects.filter(pk=connection.pk).update(webhook_token=token, updated_at=timezone.now())
    connection.webhook_token = token
    registration = get_vendor(connection.kind).registration
    if registration is not None and registration.registered_here(connection.credentials or {}):
        connection_webhooks_register(connection=connection, new_credentials=False)
    return token


def connection_webhooks_register(*, connection: Connection, new_credentials: bool = True) -> dict:
    """Register the connection's intake URL at the vendor with credentials the vendor will present to us,
    replacing the connection's earlier registrations. New credentials are generated unless asked to keep the
    stored ones; they are stored encrypted before the vendor hears of them, and while the old registration
    still exists both old and new secrets are accepted (comma-separated, vendors/events.secrets_of)."""
    vendor = get_vendor(connection.kind)
    if vendor.registration is None:
        raise VendorConfigurationError(f"{vendor.label} webhooks cannot be registered through its API.",
                                       vendor=vendor.label)
    stored = dict(connection.credentials or {})
    if new_credentials or not vendor.registration.has_credentials(stored):
        fresh = vendor.registration.credentials_new(stored)
    else:
        # Keep what is stored; a rotation interrupted earlier may have left "new,old": the first is current.
        fresh = {key: stored[key].split(",")[0] for key in vendor.registration.CREDENTIAL_FIELDS}
    switching = {key: f"{value},{stored[key]}" if stored.get(key) and stored[key] != value else value
                 for key, value in fresh.items()}
    _credentials_store(connection, {**stored, **switching})
    try:
        hook = vendor.registration.register(client=vendor.client_for(connection),
                                            intake_url=connection_webhook_url(connection=connection),
                                            credentials=fresh)
    except VendorError:
        _credentials_store(connection, stored)  # the vendor still presents the old secrets
        raise
    _credentials_store(connection, {**stored, **fresh, vendor.registration.HOOK_ID_FIELD: hook["hookId"]})
    return hook


def _credentials_store(connection: Connection, credentials: dict) -> None:
    connection.credentials = credentials
    connection.save(update_fields=["credentials", "updated_at"])


def connection_test(*, connection: Connection) -> ConnectionTestResult:
    """Authenticate and make one cheap read at the vendor; store and return what happened."""
    try:
        client = get_vendor(connection.kind).client_for(connection)
        result = ConnectionTestResult(ok=True, message=client.check_connection())
    except (VendorError, FieldDecryptionError) as error:
        result = ConnectionTestResult(ok=False, message=redact_text(str(error)))
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.OK if result.ok else Connection.Status.FAILED,
        last_tested_at=timezone.now(),
        last_error="" if result.ok else result.message,
    )
    connection.refresh_from_db(fields=["status", "last_tested_at", "last_error"])
    connection_tested(connection_id=connection.pk, ok=result.ok)  # failure notifications, after commit
    return result
