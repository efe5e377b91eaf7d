"""The optional outbound webhook: each message POSTed as JSON, signed so the receiver can trust it.

    X-MLConnector-Timestamp: 1767225600                    (Unix seconds when it was sent)
    X-MLConnector-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

The timestamp is signed with the body, so a captured request cannot be replayed later: a receiver
recomputes the HMAC over the raw bytes and refuses anything older than a few minutes
(`signature_verify`, the same scheme as Stripe's). `X-MLConnector-Delivery` carries the notification id
for de-duplication. Delivery never raises: a failure is returned (and logged) for the notification log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

from mlconnector.netguard import DestinationRefused, checked_address, pinned_session

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-MLConnector-Timestamp"
SIGNATURE_HEADER = "X-MLConnector-Signature"
DELIVERY_HEADER = "X-MLConnector-Delivery"
EVENT_HEADER = "X-MLConnector-Event"
TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    summary: str  # for the notification log: "200 from hooks.example.com" or what went wrong


def signature_for(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signature_verify(*, secret: str, body: bytes, timestamp: str, signature: str,
                     tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """What a receiver does: the signature matches the raw body and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(signature_for(secret=secret, timestamp=sent, body=body), signature or "")


def webhook_deliver(*, url: str, secret: str, payload: dict, delivery_id: int | str, event: str) -> WebhookResult:
    body = json.dumps(payload, sort_keys=True, default=str).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ml-connector-notifications/1.0",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_for(secret=secret, timestamp=timestamp, body=body),
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: event,
    }
    # Only host[:port] is logged or stored: customers put tokens into webhook URLs (path, query or user:pass@).
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    session = requests.Session()
    if not settings.NOTIFICATION_WEBHOOK_ALLOW_PRIVATE:
        # Tenants choose the URL: every address of its host must be public, and the connection goes to the
        # address that was checked (mlconnector/netguard.py), so DNS cannot change it in between.
        pinned_session(session, checked_address)
    try:
        # Not through connections.vendors.base.BaseClient: this is the tenant's own receiver, not a vendor API.
        # One attempt, no token, no vendor error mapping: a failure is recorded on the notification, not retried.
        # No redirects: the signature was made for this receiver, and a redirect could point anywhere.
        response = session.post(url, data=body, headers=headers, timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT,
                                allow_redirects=False)
    except DestinationRefused as refused:
        result = WebhookResult(False, f"refused: {refused}; use a webhook URL on the public internet")
    except requests.Timeout:
        result = WebhookResult(False, f"no answer from {host} within {settings.NOTIFICATION_WEBHOOK_TIMEOUT:g}s")
    except requests.RequestException as error:
        result = WebhookResult(False, f"could not reach {host} ({type(error).__name__})")
    else:
        ok = 200 <= response.status_code < 300
        result = WebhookResult(ok, f"{response.status_code} from {host}")
    if not result.ok:
        logger.warning("Notification webhook %s not delivered: %s", delivery_id, result.summary)
    return result
