"""The intake of inbound events: `/hooks/<connection webhook token>/`.

    size and rate checks → vendor challenge (handshake)? → vendor verify → vendor parse
    → store deduped + queue on commit → 2xx

The token in the path picks the connection (and so the tenant); the vendor's own proof (signature,
Basic auth, API key, JWT) is checked by the vendor package before anything is stored. Nothing here is
slow: no vendor call, no run — the work happens on a worker after the commit. CSRF does not apply (the
caller is a vendor's server, not a browser with our cookies) and no session is created.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from connections.selectors import connection_for_webhook_token
from connections.vendors import get_vendor
from connections.vendors.events import WebhookInvalid, WebhookUnauthorized
from syncs.inbound import inbound_events_store

logger = logging.getLogger(__name__)


def _refuse(status: int, detail: str, **headers) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def _over_rate(connection_id: int) -> bool:
    """A fixed one-minute window per connection in the shared cache: enough to blunt a flood."""
    key = f"inbound-events:{connection_id}:{timezone.now().strftime('%Y%m%d%H%M')}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) > settings.INBOUND_EVENTS_PER_MINUTE
    except ValueError:  # the key expired between add and incr
        return False


@csrf_exempt
def inbound_hook(request, token: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.INBOUND_EVENT_MAX_BYTES:
        return _refuse(413, f"An event body may be at most {settings.INBOUND_EVENT_MAX_BYTES} bytes.")
    connection = connection_for_webhook_token(token=token)
    webhooks = get_vendor(connection.kind).webhooks if connection else None
    if webhooks is None:
        return _refuse(404, "No such intake URL.")
    if _over_rate(connection.pk):
        return _refuse(429, "Too many events for this connection; retry shortly.", **{"Retry-After": "60"})
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "The event body is too large.")
    if len(body) > settings.INBOUND_EVENT_MAX_BYTES:
        return _refuse(413, f"An event body may be at most {settings.INBOUND_EVENT_MAX_BYTES} bytes.")

    challenge = getattr(webhooks, "challenge", None)
    # A handshake (monday's URL verification) only echoes the caller's value: it stores and triggers nothing.
    answer = challenge(request) if challenge else None
    if answer is not None:
        return JsonResponse(answer)
    try:
        webhooks.verify(request, connection)
        events = webhooks.parse(request)
        screen = getattr(webhooks, "screen", None)  # deliveries our own writes caused (monday's userId)
        events = screen(events, connection) if screen else events
    except WebhookUnauthorized as refused:
        logger.warning("inbound event for connection %s refused: %s", connection.pk, refused)
        return _refuse(401, "The delivery could not be authenticated.")
    except WebhookInvalid as invalid:  # from parse, or from a verify that reads the body (only once signed)
        return _refuse(400, str(invalid))
    result = inbound_events_store(connection=connection, events=events, raw_body=body,
                                  known_types=webhooks.EVENT_TYPES)
    return JsonResponse({"stored": result.stored, "duplicates": result.duplicates, "ignored": result.ignored})
