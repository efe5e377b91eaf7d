"""What the registry knows about one vendor: its client class, credential and config fields, hosts, sandbox."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from connections.vendors.egress import EgressPolicy

if TYPE_CHECKING:
    from connections.vendors.base import BaseClient


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = True
    help: str = ""
    required: bool = True  # optional ones (webhook secrets) may stay empty


@dataclass(frozen=True)
class ConfigField:
    name: str
    label: str
    default: str = ""
    required: bool = False
    help: str = ""
    # A URL the client sends credentials to (a token endpoint): checked like the base URL, and changing
    # it needs the secrets entered again.
    url: bool = False
    # Vendor plumbing most customers never change (scopes, header values): shown under "Advanced".
    advanced: bool = False

    @property
    def folded(self) -> bool:
        """Under the "Advanced" fold: marked so, or a URL of the vendor's own (its token endpoint)."""
        return self.advanced or self.url


@dataclass(frozen=True)
class Vendor:
    """What the registry knows about one vendor."""

    kind: str
    label: str
    client_class: type["BaseClient"]
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    config_fields: tuple[ConfigField, ...] = ()
    # Path prefix under which the local sandbox serves this vendor's API, and
    # config values that point the auth endpoints at the sandbox too.
    sandbox_prefix: str = ""
    sandbox_config: Callable[[str], dict] = field(default=lambda sandbox_url: {})
    # The vendor's own API and auth hosts (`*.example.com` for subdomains); nothing else is called unless an
    # operator allowlists a host for the tenant (connections.models.AllowedHost).
    allowed_hosts: tuple[str, ...] = ()

    @property
    def url_fields(self) -> tuple[str, ...]:
        """Every setting that says where the credentials are sent: the base URL and URL-valued config."""
        return ("base_url",) + tuple(f.name for f in self.config_fields if f.url)

    def egress_for(self, tenant_id: int | None) -> EgressPolicy:
        from connections.selectors import tenant_allowed_hosts

        extra = tenant_allowed_hosts(tenant_id=tenant_id) if tenant_id else ()
        return EgressPolicy.from_settings(vendor_label=self.label, allowed_hosts=self.allowed_hosts + extra)
    # The package's webhooks module (verify/parse/challenge, see vendors/events.py), found by the registry.
    webhooks: Any = None
    # The package's registration module, where the vendor's API lets us register our intake URL ourselves
    # (credentials_new/register/registered, see services.connection_webhooks_register); found by the registry.
    registration: Any = None

    def credentials_missing(self, credentials: dict) -> list[str]:
        """Required credentials left empty; a vendor offering alternatives (an API key or OAuth) overrides it."""
        return [f.name for f in self.credential_fields if f.required and not credentials.get(f.name)]

    @staticmethod
    def token_or_app_missing(credentials: dict, token: str, app: tuple[str, ...] = ("client_id", "client_secret")):
        """For vendors entered either way: a token, or every half of an OAuth app's client credentials."""
        if credentials.get(token):
            return []
        if any(credentials.get(name) for name in app):
            return [name for name in app if not credentials.get(name)]
        return [token]

    def sandbox_base_url(self, sandbox_url: str) -> str:
        return sandbox_url.rstrip("/") + self.sandbox_prefix

    def client_for(self, connection, **kwargs) -> "BaseClient":
        config = {f.name: f.default for f in self.config_fields}
        config.update({k: v for k, v in (connection.config or {}).items() if v not in (None, "")})
        return self.client_class(
            base_url=connection.base_url or self.default_base_url,
            credentials=connection.credentials or {},
            config=config,
            cache_key=token_cache_key(self.kind, connection.pk),
            egress=self.egress_for(connection.tenant_id),
            **kwargs,
        )


def token_cache_key(kind: str, connection_id: int | None) -> str:
    return f"{kind}:{connection_id}"
