"""Writes for tenants and connections. Views, admin, API and tasks call these.

Every change to a connection writes a change-log row in the same transaction (changelog/services.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.redaction import redact_text
from changelog.services import change_record
from changelog.snapshots import connection_snapshot
from connections.models import Connection, Membership, Tenant, webhook_token_new
from connections.selectors import connection_webhook_url
from connections.vendors import get_vendor
from connections.vendors.base import default_token_cache, connection_test_hint, token_cache_key
from connections.vendors.errors import VendorConfigurationError, VendorError
from mlconnector.fields import FieldDecryptionError
from notifications.hooks import connection_tested


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str


class CredentialsRequired(ValueError):
    """Where the credentials are sent changed, but the secrets were not entered again."""

    def __init__(self, message: str, *, fields: list[str]):
        super().__init__(message)
        self.fields = fields


class ConnectionTestThrottled(Exception):
    def __init__(self, retry_after: float):
        super().__init__(f"Too many connection tests for this company; try again in {retry_after:.0f} s.")
        self.retry_after = retry_after


def tenant_create(*, name: str, slug: str, owner=None) -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.create(name=name, slug=slug)
        if owner is not None:
            Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.OWNER)
    return tenant


@transaction.atomic
def connection_create(*, tenant: Tenant, kind: str, name: str, base_url: str = "", credentials: dict,
                      config: dict | None = None, actor=None) -> Connection:
    vendor = get_vendor(kind)
    connection = Connection.objects.create(
        tenant=tenant, kind=kind, name=name, base_url=base_url or vendor.default_base_url,
        credentials=dict(credentials), config=dict(config or {}),
    )
    after, secrets = connection_snapshot(connection)
    change_record(tenant=tenant, actor=actor, obj=connection, object_type="connection", action="created",
                  after=after, secrets=secrets)
    return connection


def destination_changes(connection: Connection, *, base_url: str | None, config: dict | None) -> list[str]:
    """The settings that say where credentials are sent (base URL, token URL, …) and would change."""
    vendor = get_vendor(connection.kind)
    defaults = {f.name: f.default for f in vendor.config_fields}
    changed = []
    for name in vendor.url_fields:
        if name == "base_url":
            if base_url is not None and base_url.rstrip("/") != (connection.base_url or "").rstrip("/"):
                changed.append(name)
        elif config is not None:
            stored = (connection.config or {}).get(name) or defaults.get(name, "")
            if (config.get(name) or defaults.get(name, "")) != stored:
                changed.append(name)
    return changed


def secrets_missing(connection: Connection, credentials: dict | None) -> list[str]:
    """The stored secrets not typed again in `credentials` (blank keeps the stored value). An optional
    secret that was never set (a webhook key) has nothing to give away, so it is not asked for."""
    typed = {k for k, v in (credentials or {}).items() if v not in (None, "")}
    stored = connection.credentials or {}
    return [f.name for f in get_vendor(connection.kind).credential_fields
            if f.secret and stored.get(f.name) and f.name not in typed]


def connection_tokens_drop(*, connection: Connection) -> None:
    """Forget the connection's cached access token: it was issued for the old endpoints. Again after commit,
    so a worker that cached a token meanwhile (from the old settings) cannot hand it to the new URL."""
    key = token_cache_key(connection.kind, connection.pk)
    default_token_cache().delete(key)
    transaction.on_commit(lambda: default_token_cache().delete(key))


@transaction.atomic
def connection_update(*, connection: Connection, name: str | None = None, base_url: str | None = None,
                      credentials: dict | None = None, config: dict | None = None, actor=None) -> Connection:
    """Update a connection; blank credential values keep what is stored (secrets are write-only).

    Changing where the credentials are sent (base URL, token URL) needs every secret entered again, so
    whoever may edit a connection cannot send its stored secrets to a server of their choosing."""
    moved = destination_changes(connection, base_url=base_url, config=config)
    missing = secrets_missing(connection, credentials) if moved else []
    if missing:
        raise CredentialsRequired(
            f"Changing {', '.join(moved)} sends the credentials somewhere else: enter {', '.join(missing)} again.",
            fields=missing)
    before, before_secrets = connection_snapshot(connection)
    typed = {k: v for k, v in (credentials or {}).items() if v not in (None, "")}
    if name is not None:
        connection.name = name
    if base_url is not None:
        connection.base_url = base_url
    if typed:
        connection.credentials = {**(connection.credentials or {}), **typed}
    if config is not None:
        connection.config = dict(config)
    # A changed connection is untested again.
    connection.status = Connection.Status.UNTESTED
    connection.save()
    if moved or typed:
        connection_tokens_drop(connection=connection)
    after, after_secrets = connection_snapshot(connection)
    change_record(tenant=connection.tenant, actor=actor, obj=connection, object_type="connection",
                  action="updated", before=before, after=after, secrets=before_secrets | after_secrets)
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


def connection_config_remember(*, connection: Connection, values: dict) -> None:
    """Keep what a client discovered at the vendor (Dayforce's services host), so later runs skip discovery."""
    merged = {**(connection.config or {}), **values}
    if merged != (connection.config or {}):
        Connection.objects.filter(pk=connection.pk).update(config=merged, updated_at=timezone.now())
        connection.config = merged


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


def connection_test_throttle(*, tenant_id: int) -> None:
    """At most CONNECTION_TEST_RATE_PER_MINUTE tests per tenant and minute, counted in the shared cache
    (Redis in production), so a tenant cannot use the test as a scanner or tie up web workers."""
    now = time.time()
    key = f"connection-test:{tenant_id}:{int(now // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > settings.CONNECTION_TEST_RATE_PER_MINUTE:
        raise ConnectionTestThrottled(retry_after=60 - now % 60)


def connection_test(*, connection: Connection) -> ConnectionTestResult:
    """Authenticate and make one cheap read at the vendor; store and return what happened.

    Someone is waiting (a web request), so short timeouts and a deadline for the whole test (retries
    included) instead of the sync's patience."""
    connection_test_throttle(tenant_id=connection.tenant_id)
    try:
        client = get_vendor(connection.kind).client_for(
            connection, timeout=(settings.CONNECTION_TEST_CONNECT_TIMEOUT, settings.CONNECTION_TEST_READ_TIMEOUT))
        client.deadline = time.monotonic() + settings.CONNECTION_TEST_CONNECT_TIMEOUT + \
            settings.CONNECTION_TEST_READ_TIMEOUT
        result = ConnectionTestResult(ok=True, message=client.check_connection())
        connection_config_remember(connection=connection, values=client.discovered_config)
    except (VendorError, FieldDecryptionError) as error:
        message, instead = str(error), connection_test_hint(error) if isinstance(error, VendorError) else None
        if instead:  # nothing retries a test: say what to do now, not "will be retried"
            message = f"{message.removesuffix(error.hint).rstrip()} {instead}"
        result = ConnectionTestResult(ok=False, message=redact_text(message))
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.OK if result.ok else Connection.Status.FAILED,
        last_tested_at=timezone.now(),
        last_error="" if result.ok else result.message,
    )
    connection.refresh_from_db(fields=["status", "last_tested_at", "last_error"])
    connection_tested(connection_id=connection.pk, ok=result.ok)  # failure notifications, after commit
    return result


def connection_problem_note(*, connection_id: int, message: str) -> None:
    """A sync met a refusal on this connection that one resource only (a permission for pay data) causes:
    kept as the connection's last error for people to see; its status stays as the last test left it, since
    the connection works for everything else."""
    Connection.objects.filter(pk=connection_id).update(last_error=message[:2000], updated_at=timezone.now())
