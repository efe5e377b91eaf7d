"""Receiving Paychex Flex notifications (docs/vendors/paychex.md §8).

Paychex signs nothing; it authenticates *to us* with what we registered on the hook: Basic auth
(`webhook_username` / `webhook_password` credentials) or an API key (`webhook_api_key`). The header
Paychex puts the API key in is UNCONFIRMED, so the key is accepted in `x-api-key`, `apikey` or the
Authorization header. A hook registered with NO_AUTH is refused here: the intake URL alone is not
enough for a vendor that offers real authentication. OAuth2 (Paychex fetching a token from a token URL
of ours) is not offered.

Deliveries are notification-only JSON; `notificationId` is the dedupe key.
"""
from __future__ import annotations

import base64
import binascii
import json

from connections.vendors.events import Event, WebhookInvalid, WebhookUnauthorized, secret_matches, secrets_of

EVENT_TYPES = frozenset({"WORKER_MESSAGE", "CLT_ACCESS_MESSAGE"})
# About the account, not a record: a company granted or revoked the application's access (§8). The intake
# re-tests the connection for these, so its status says what Paychex now allows.
CONNECTION_EVENTS = frozenset({"CLT_ACCESS_MESSAGE"})
API_KEY_HEADERS = ("x-api-key", "apikey")


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return username, password


def verify(request, connection) -> None:
    credentials = connection.credentials or {}
    authorization = request.headers.get("Authorization", "")
    if credentials.get("webhook_username") and credentials.get("webhook_password"):
        given = _basic(authorization)
        if given and secret_matches(given[0], [credentials["webhook_username"]]) and secret_matches(
                given[1], secrets_of(credentials["webhook_password"])):
            return
    if keys := secrets_of(credentials.get("webhook_api_key")):
        offered = [request.headers.get(name) for name in API_KEY_HEADERS]
        offered.append(authorization.split(" ", 1)[-1] if authorization else None)
        if any(secret_matches(value, keys) for value in offered if value):
            return
    raise WebhookUnauthorized("The caller did not present the Basic auth or API key registered for Paychex.")


def parse(request) -> list[Event]:
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookInvalid("A Paychex notification is JSON.") from None
    if not isinstance(body, dict) or not body.get("notificationId") or not body.get("notificationType"):
        raise WebhookInvalid("A Paychex notification carries notificationId and notificationType.")
    worker = body.get("workerId")
    return [Event(event_id=str(body["notificationId"]), type=str(body["notificationType"]),
                  source_ids=[str(worker)] if worker else [], payload=body)]
