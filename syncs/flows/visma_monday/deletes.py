"""A document deleted in Visma is archived on the board, once.

How Visma says a document is gone (docs/vendors/visma.md §10; the API has no DELETE for these documents):

* a webhook: `<entity>.deleted` (the catalogue lists "Account Deleted"; the same event for invoices and orders is
  UNCONFIRMED), or a `.changed` whose document answers 404 when re-read. Either way the re-read finds nothing, so
  the document's id-map entries become *tombstones*;
* the backstop: Visma's webhooks are sent once, so the scheduled poll also lists every key of the resource now and
  then (`gone_check_every_hours`, default 24) and makes tombstones of the documents the id map holds that Visma no
  longer returns.

A tombstone is planned like any record: its content (the key and "archive") is the same every time, so the id
map's content hash makes a second notice a skip, and the write is an intent. Writing it reads the item first: an
item already archived (or deleted) on the board is confirmed as it is, never archived twice, and the audit row
says why.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from connections.vendors.errors import VendorNotFound
from syncs.flows.base import Intent, Page

GONE = "_gone_from_visma"  # marks a tombstone record (never a Visma field name)
DEFAULT_CHECK_HOURS = 24
DELETED_EVENT = "deleted in Visma (webhook, and the document answers 404)"
NOT_LISTED = "no longer listed by Visma (the scheduled check of every key)"


def tombstone(source_id: str, why: str) -> dict:
    return {GONE: True, "source_id": source_id, "why": why}


def is_tombstone(record) -> bool:
    return isinstance(record, dict) and record.get(GONE) is True


def held_ids(ctx, stream_name: str) -> set[str]:
    """Source ids this integration has written for the stream (its id map)."""
    from syncs.models import IdMap  # the flow registry is imported by the models: not at discovery time

    return set(IdMap.objects.filter(integration=ctx.integration, stream=stream_name)
               .values_list("source_id", flat=True))


def held_ids_for_key(ctx, stream_name: str, key: str) -> list[str]:
    """The id-map source ids a Visma URL key stands for: `Invoice:000123` for the webhook's `000123`."""
    from django.db.models import Q

    from syncs.models import IdMap

    return list(IdMap.objects.filter(Q(source_id=key) | Q(source_id__endswith=f":{key}"),
                                     integration=ctx.integration, stream=stream_name)
                .values_list("source_id", flat=True))


def check_due(ctx, cursor: dict) -> bool:
    if ctx.dry_run:
        return False  # a preview lists nothing extra and archives nothing
    hours = float(ctx.options.get("gone_check_every_hours", DEFAULT_CHECK_HOURS))
    last = cursor.get("gone_checked")
    if not last:
        return True
    return datetime.now(timezone.utc) - datetime.fromisoformat(last) >= timedelta(hours=hours)


def gone_page(stream, final: Page) -> Page:
    """The walk's last page, carrying tombstones for what Visma no longer lists, and the time of the check."""
    held = held_ids(stream.ctx, stream.name)
    if not held:
        return Page(final.records, {**final.cursor, "gone_checked": datetime.now(timezone.utc).isoformat()})
    listed: set[str] = set()
    for rows in stream.source.iter_pages(stream.path, {}, stream.page_size):
        listed |= stream.listed_ids(rows)
    if not listed:
        # An empty listing against a non-empty id map is likelier a permission or company mix-up than every
        # document deleted at once: nothing is archived on its word.
        return final
    gone = sorted(held - listed)
    return Page([*final.records, *(tombstone(source_id, NOT_LISTED) for source_id in gone)],
                {**final.cursor, "gone_checked": datetime.now(timezone.utc).isoformat()})


def archive_once(stream, intent: Intent) -> str:
    """Archive the item of a tombstone; an item already archived or deleted on the board is confirmed as is."""
    mapped, why = intent.mapped, (intent.record or {}).get("why") or "gone from Visma"
    target = intent.target_id or next(iter(stream.items_with_key(mapped)), None)
    if not target:
        raise VendorNotFound(f"No item on the board holds key {stream.natural_key(mapped)}; nothing to archive.",
                             vendor="monday.com", status=404)
    state = item_state(stream, target)
    if state != "active":
        intent.note = f"{why}; the item was already {state or 'gone'} on the board: confirmed, not archived again"
        return target
    stream.destination.item_archive(mapped["board"], target)
    intent.note = f"archived: the document was {why}"
    return target


def archived_found(stream, intent: Intent) -> str | None:
    """Reconciling an archive whose outcome is unknown: done if the item is no longer active."""
    if intent.target_id and item_state(stream, intent.target_id) != "active":
        return intent.target_id
    return None


def item_state(stream, item_id: str) -> str | None:
    """The item's state ("active", "archived", "deleted"); None when monday no longer returns it."""
    found = stream.destination.items_get([item_id])
    return str(found[0].get("state") or "active") if found else None
