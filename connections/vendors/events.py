"""What every vendor's `webhooks.py` hands the inbound-event intake (syncs/webhooks.py).

A vendor package that receives webhooks has a module `connections/vendors/<kind>/webhooks.py` with

* ``verify(request, connection)``: raise `WebhookUnauthorized` unless the delivery is the vendor's
  (HMAC signature, Basic auth, API key, JWT …) — checked against secrets in the connection's
  encrypted credentials; nothing is stored for a delivery that fails here;
* ``parse(request) -> list[Event]``: the deliveries' events (raise `WebhookInvalid` for a body that is
  not the vendor's shape);
* optionally ``challenge(request)``: the answer (a dict, sent as JSON) to a URL-verification handshake,
  or None when the request is a delivery;
* optionally ``screen(events, connection)``: the events, with those the connection itself caused (its own
  writes echoed back, monday's `userId`) marked `ignored` with the reason;
* ``EVENT_TYPES``: the event types it understands; any other is acknowledged and kept as ignored.

The registry finds the module (`Vendor.webhooks`); nothing else chooses by vendor kind.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Iterable


class WebhookUnauthorized(Exception):
    """The caller did not prove it is the vendor: answered 401, nothing stored."""


class WebhookInvalid(ValueError):
    """The body is not a delivery of this vendor: answered 400, nothing stored."""


@dataclass(frozen=True)
class Event:
    event_id: str  # the vendor's delivery id: the same on every retry of one notification (dedupe key)
    type: str
    source_ids: list[str] = field(default_factory=list)  # the records to re-fetch (notification-only)
    payload: dict = field(default_factory=dict)
    ignored: str = ""  # why the delivery is acknowledged and kept, but not processed (set by `screen`)


def secret_matches(given: str | None, secrets: Iterable[str]) -> bool:
    """Constant-time comparison against every configured secret (several during a rotation)."""
    if not given:
        return False
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(given.encode(), secret.encode()):
            matched = True  # keep comparing: the time taken does not tell which secret matched
    return matched


def secrets_of(value: str | None) -> list[str]:
    """A credential holding one secret, or several separated by commas while one is being rotated."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def body_digest(raw_body: bytes) -> str:
    """An event id for vendors that send none: identical retries of one delivery share it."""
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()
