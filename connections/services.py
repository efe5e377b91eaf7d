"""Writes for tenants and connections. Views, admin, API and tasks call these."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.redaction import redact_text
from connections.models import Connection, Membership, Tenant, webhook_token_new
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError
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
    The vendor must be told the new URL (Paychex re-registers its hook; elsewhere the owner updates it)."""
    token = webhook_token_new()
    Connection.objects.filter(pk=connection.pk).update(webhook_token=token, updated_at=timezone.now())
    connection.webhook_token = token
    return token


def connection_config_remember(*, connection: Connection, values: dict) -> None:
    """Keep what a client discovered at the vendor (Dayforce's services host), so later runs skip discovery."""
    merged = {**(connection.config or {}), **values}
    if merged != (connection.config or {}):
        Connection.objects.filter(pk=connection.pk).update(config=merged, updated_at=timezone.now())
        connection.config = merged


def connection_test(*, connection: Connection) -> ConnectionTestResult:
    """Authenticate and make one cheap read at the vendor; store and return what happened."""
    try:
        client = get_vendor(connection.kind).client_for(connection)
        result = ConnectionTestResult(ok=True, message=client.check_connection())
        connection_config_remember(connection=connection, values=client.discovered_config)
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
