"""Receiving Visma.net webhooks: signature check and event parsing (docs/vendors/visma.md §10).

The Visma Webhook Dispatcher signs each notification with the subscription's
signature key: header `x-vwd-signature-v1` = base64(HMAC-SHA256(key, raw UTF-8
body)). Keys can be rotated, so several are accepted at once [VWD]. The payload
shape is UNCONFIRMED; `parse_event` is the one place that knows it. `verify` and `parse` are what
the inbound-event intake calls (connections/vendors/events.py); the signature key(s) are the
connection's `webhook_secret` credential.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Iterable

from connections.vendors.events import Event, WebhookInvalid, WebhookUnauthorized, body_digest

SIGNATURE_HEADER = "x-vwd-signature-v1"
# Entities of the Financial publisher's catalogue (§10) that a flow can re-read, as the dispatcher names them.
ENTITIES = ("account", "customer", "customerinvoice", "dimension", "employee", "journaltransaction", "payment",
            "purchaseorder", "subaccount", "supplier", "supplierinvoice")
EVENT_TYPES = frozenset(f"{entity}.{change}" for entity in ENTITIES for change in ("created", "changed", "deleted"))


class InvalidWebhookPayload(WebhookInvalid):
    pass


def expected_signature(raw_body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def verify_signature(raw_body: bytes, header_value: str | None, secrets: Iterable[str] | str) -> bool:
    """True when the header is the signature of the raw body under any of `secrets` (a list, or a
    comma-separated string during a rotation). Compared in constant time; empty secrets never match."""
    if not header_value:
        return False
    if isinstance(secrets, str):
        secrets = secrets.split(",")
    given = header_value.strip().encode()
    matched = False
    for secret in secrets:
        secret = secret.strip()
        if secret and hmac.compare_digest(expected_signature(raw_body, secret).encode(), given):
            matched = True  # keep comparing: the time taken does not tell which key matched
    return matched


def parse_event(raw_body: bytes) -> dict:
    """The notification as the engine's webhook dispatch wants it:
    {type, entity, id, tenant_id, timestamp, notification_id, payload}. `type` is e.g. "employee.changed";
    `notification_id` is the same on every retry of one notification, so it is the dedupe key."""
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidWebhookPayload(f"Visma webhook body is not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise InvalidWebhookPayload("Visma webhook body has no event name.")
    entity = payload.get("entity") or payload["event"].split(".", 1)[0]
    return {
        "type": payload["event"],
        "entity": entity,
        "id": None if payload.get("id") is None else str(payload["id"]),
        "tenant_id": payload.get("tenantId"),
        "timestamp": payload.get("timestamp"),
        "notification_id": payload.get("notificationId"),
        "payload": payload,
    }


def verify(request, connection) -> None:
    secrets = (connection.credentials or {}).get("webhook_secret", "")
    if not secrets:
        raise WebhookUnauthorized("No Visma webhook signature key is stored on the connection.")
    if not verify_signature(request.body, request.headers.get(SIGNATURE_HEADER), secrets):
        raise WebhookUnauthorized(f"The {SIGNATURE_HEADER} signature does not match the body.")
    # A subscription left without a tenant covers every company of the application (§10): another company's
    # event must not be filed under this connection, whose signature key it shares.
    tenant_id = parse_event(request.body)["tenant_id"]
    ours = (connection.credentials or {}).get("tenant_id")
    if tenant_id and ours and str(tenant_id).lower() != str(ours).lower():
        raise WebhookUnauthorized("The notification is for another Visma company than this connection's.")


def parse(request) -> list[Event]:
    event = parse_event(request.body)
    return [Event(event_id=str(event["notification_id"] or body_digest(request.body)), type=event["type"],
                  source_ids=[event["id"]] if event["id"] else [], payload=event["payload"])]
