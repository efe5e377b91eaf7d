"""Registering our intake URL as Paychex hooks (docs/vendors/paychex.md §8).

Paychex signs nothing: it authenticates to our intake with what the hook was registered with. We register
BASIC_AUTH with a user name and password we generate, kept encrypted in the connection's credentials
(`webhook_username`, `webhook_password`), which is what `webhooks.verify` checks. One hook covers the
domains a worker sync needs plus CLT_ACCESS, scoped to the connection's company (or to every company linked
to the application when the connection names none).

Paychex has no way to change a hook, so re-registering (new intake URL, new password) creates the new hook
first and then deletes the connection's older ones: while both exist, the intake accepts either password.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from connections.vendors.paychex.resources import WORKER_DOMAINS

AUTH_TYPE = "BASIC_AUTH"
CREDENTIAL_FIELDS = ("webhook_username", "webhook_password")
# Where the connection remembers the hook we registered: credentials, because the settings form replaces
# `config` wholesale while credentials are merged. Its presence means "we registered, so we re-register".
HOOK_ID_FIELD = "webhook_hook_id"


def credentials_new(credentials: dict) -> dict:
    """Fresh hook credentials; the user name stays once chosen (the intake compares it as one value)."""
    return {"webhook_username": credentials.get("webhook_username") or f"paychex-{secrets.token_hex(4)}",
            "webhook_password": secrets.token_urlsafe(32)}


def has_credentials(credentials: dict) -> bool:
    return bool(credentials.get("webhook_username") and credentials.get("webhook_password"))


def registered_here(credentials: dict) -> bool:
    """We registered the hook (not the owner by hand, with credentials typed into the connection)."""
    return bool(credentials.get(HOOK_ID_FIELD))


def _company_id(client) -> str | None:
    return str(client.config.get("company_id") or "").strip() or None


def _ours(hook: dict, *, intake_url: str, company_id: str | None) -> bool:
    """A hook of this connection: it points at one of our intake URLs (any webhook token, so a hook left
    from before a rotation counts) with the connection's company scope."""
    ours = urlsplit(intake_url)
    theirs = urlsplit(hook.get("uri") or "")
    intake_root = ours.path.rstrip("/").rsplit("/", 1)[0] + "/"
    return ((theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc) and theirs.path.startswith(intake_root)
            and (hook.get("companyId") or None) == company_id)


def registered(*, client, intake_url: str) -> list[dict]:
    """The connection's hooks at Paychex, each with `current`: it points at today's intake URL."""
    company_id = _company_id(client)
    return [{**hook, "current": hook.get("uri") == intake_url} for hook in client.hooks()
            if _ours(hook, intake_url=intake_url, company_id=company_id)]


def register(*, client, intake_url: str, credentials: dict) -> dict:
    """Create the hook with `credentials`, then delete the connection's other hooks. Returns the new hook."""
    company_id = _company_id(client)
    older = registered(client=client, intake_url=intake_url)
    hook = client.hook_create(uri=intake_url, domains=list(WORKER_DOMAINS), company_id=company_id,
                              authentication={"authType": AUTH_TYPE, "username": credentials["webhook_username"],
                                              "password": credentials["webhook_password"]})
    for old in older:
        client.hook_delete(old["hookId"])
    return hook
