"""Receiving Rippling App Shop webhooks (docs/vendors/rippling.md §8).

Rippling POSTs form-encoded `event_name`, `company_id`, `company_primary_email` and `id` (the employee),
notification-only: the worker is re-fetched before anything is written. Rippling documents no signature,
no auth header and no delivery id, so:

* the unguessable token in the intake URL is the only proof of origin (rotate it if the URL leaks);
  a `company_id` is still required, so a stray form post is refused;
* the event id is the body's digest within the minute it arrived: a retry or a burst of the same
  notification is stored once, while the same notification a minute later is a new event (it cannot
  be told apart from a new change, and re-fetching an unchanged worker writes nothing).
"""
from __future__ import annotations

from django.utils import timezone

from connections.vendors.events import Event, WebhookInvalid, body_digest

EVENT_TYPES = frozenset({"employee.created", "employee.updated", "employee.deleted"})


def verify(request, connection) -> None:
    return None  # nothing to check beyond the URL's token: Rippling signs nothing (docs/vendors/rippling.md §8)


def parse(request) -> list[Event]:
    if request.content_type != "application/x-www-form-urlencoded":
        raise WebhookInvalid("Rippling sends webhooks form-encoded (application/x-www-form-urlencoded).")
    form = request.POST
    if not form.get("event_name") or not form.get("company_id"):
        raise WebhookInvalid("A Rippling webhook carries event_name and company_id.")
    minute = timezone.now().strftime("%Y%m%dT%H%M")
    payload = {key: form.get(key) for key in ("event_name", "company_id", "id") if form.get(key)}
    return [Event(event_id=f"{body_digest(request.body)}@{minute}", type=form["event_name"],
                  source_ids=[form["id"]] if form.get("id") else [], payload=payload)]
