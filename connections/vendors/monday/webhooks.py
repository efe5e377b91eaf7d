"""Receiving monday.com webhooks (docs/vendors/monday.md §7).

* URL verification: monday POSTs `{"challenge": "…"}` and wants the same JSON back.
* Webhooks created with an app token carry `Authorization: <JWT>`, HS256-signed with the app's signing
  secret (`signing_secret` credential): signature, `exp` and `aud` (our intake URL) are checked. Webhooks
  created with a personal token are unsigned; without a signing secret on the connection only the URL's
  token protects the intake. PyJWT is not a dependency, and HS256 is a few lines of HMAC.
* Deliveries are `{"event": {…}}`; `originalTriggerUuid` (on retries) or `triggerUuid` is the dedupe key.
* Own-user guard (`screen`): a delivery whose `userId` is the monday user our token acts as (cached on the
  connection by its test and by board setup, `MondayClient.me_id`) was caused by our own column write; it is
  acknowledged and kept as ignored, so it cannot echo back to Visma. The flow's no-op check stays behind it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import dataclasses
import time

from connections.vendors.events import Event, WebhookInvalid, WebhookUnauthorized, secrets_of

EVENT_TYPES = frozenset({"update_column_value", "create_pulse", "update_name", "delete_pulse", "archive_pulse"})
CLOCK_SKEW = 60  # seconds of leeway on `exp`
MAX_CHALLENGE = 200


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_hs256_claims(token: str, secrets: list[str], *, audiences: set[str], now: float | None = None) -> dict:
    """The claims of a valid HS256 JWT signed with one of `secrets`; WebhookUnauthorized otherwise."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_b64url(header_part))
        claims = json.loads(_b64url(claims_part))
        signature = _b64url(signature_part)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise WebhookUnauthorized("The Authorization header is not a JWT.") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise WebhookUnauthorized("The JWT is not HS256-signed.")  # never alg "none"
    signed = f"{header_part}.{claims_part}".encode()
    if not any(hmac.compare_digest(hmac.new(s.encode(), signed, hashlib.sha256).digest(), signature)
               for s in secrets):
        raise WebhookUnauthorized("The JWT signature does not match the app's signing secret.")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp + CLOCK_SKEW < (time.time() if now is None else now):
        raise WebhookUnauthorized("The JWT has expired.")
    if str(claims.get("aud", "")).rstrip("/") not in {a.rstrip("/") for a in audiences}:
        raise WebhookUnauthorized("The JWT was issued for another URL.")
    return claims


def challenge(request) -> dict | None:
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(body, dict) and set(body) == {"challenge"} and isinstance(body["challenge"], str):
        return {"challenge": body["challenge"][:MAX_CHALLENGE]}
    return None


def verify(request, connection) -> None:
    from connections.selectors import connection_webhook_url  # models: not at registry discovery time

    secrets = secrets_of((connection.credentials or {}).get("signing_secret"))
    if not secrets:
        return None  # unsigned (personal-token) webhooks: the URL's token is the only check
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise WebhookUnauthorized("The delivery carries no JWT, but the connection has a signing secret.")
    # `aud` is the URL monday was given: ours as SITE_URL spells it, or as this request reached us.
    jwt_hs256_claims(token, secrets, audiences={connection_webhook_url(connection=connection),
                                                request.build_absolute_uri(request.path)})


def parse(request) -> list[Event]:
    try:
        event = json.loads(request.body).get("event")
    except (UnicodeDecodeError, ValueError, AttributeError):
        raise WebhookInvalid("A monday.com webhook is JSON {\"event\": {…}}.") from None
    if not isinstance(event, dict) or not event.get("type"):
        raise WebhookInvalid("A monday.com webhook carries an event with a type.")
    event_id = event.get("originalTriggerUuid") or event.get("triggerUuid")
    if not event_id:
        raise WebhookInvalid("A monday.com webhook carries a triggerUuid.")
    item = event.get("pulseId")
    return [Event(event_id=str(event_id), type=str(event["type"]), source_ids=[str(item)] if item else [],
                  payload={"event": event})]


def screen(events: list[Event], connection) -> list[Event]:
    """The events, those our own token's user caused marked ignored (with the reason)."""
    from connections.vendors.monday.client import token_digest

    config = connection.config or {}
    own = str(config.get("user_id") or "")
    # The cached id counts only for the token it was read with: after "Regenerate" or another user's
    # "Connect monday.com" it is stale until the connection is tested again.
    if not own or config.get("user_token") != token_digest((connection.credentials or {}).get("api_token")):
        return events
    return [dataclasses.replace(event, ignored=(
        f"Caused by this connection's own monday.com user ({own}): our own write, not a change made on the board."))
        if str((event.payload.get("event") or {}).get("userId") or "") == own else event for event in events]
