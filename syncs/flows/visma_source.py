"""Reading Visma.net as a source: paged delta on lastModifiedDateTime, resumable per page.

A building block shared by every flow that reads Visma (not a flow itself, so the registry skips it).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from connections.vendors.visma.schemas import visma_timestamp
from syncs.flows.base import Page, Stream


class VismaDeltaStream(Stream):
    """Cursor: {"since": watermark, "page": next page, "walk_started": when this walk began, "shifted"}.

    The watermark stays fixed while a delta is paged, so page numbers stay meaningful and a run
    resumes at the page it stopped on; when the last page is done the watermark moves to when the
    walk began, less the clock-skew overlap, never past now: anything changed while we paged is read
    again, and a record stamped in the future cannot push the watermark past later changes. Visma
    compares with ">=" (re-reading a record is harmless: its content hash makes it a skip), and its
    timestamps have no offset (docs/vendors/visma.md §7), so they are kept as text.
    """

    path: str = ""
    page_size: int = 500
    extra_params: dict = {}

    def fetch(self, cursor: dict) -> Iterator[Page]:
        since = cursor.get("since")
        page_number = int(cursor.get("page") or 1)
        walk_started = (cursor.get("walk_started") if page_number > 1 else None) or self.ctx.started_iso()
        shifted = bool(cursor.get("shifted"))
        seen: set[str] = set()
        params = {**self.extra_params, **self.source.delta_params(_parse(since))}
        # The newest change synced, shown as the integration's lag (capped at now); never the watermark.
        high = cursor.get("high")
        now = visma_timestamp(datetime.now(timezone.utc))
        for rows in self.source.iter_pages(self.path, params, self.page_size, start_page=page_number):
            page_number += 1
            for row in rows:
                stamp = row.get("lastModifiedDateTime")
                if isinstance(stamp, str) and (high is None or stamp > high):
                    high = min(stamp, now)
                key = self._key(row)
                # A record edited while we page moves to the end of the delta and every later record
                # moves up one place, so one of them (not edited, so older than the walk) slips past us;
                # seeing a key twice is the sign.
                shifted = shifted or key in seen
                seen.add(key)
            yield Page(rows, {"since": since, "page": page_number, "walk_started": walk_started, "shifted": shifted,
                              "high": high})
        # Done: the next run reads what changed since this walk began — unless the pages shifted under
        # us, in which case it reads the same window again (the content hash skips what is unchanged).
        watermark = self.ctx.watermark_next(_parse(walk_started)).isoformat()
        yield Page([], {"since": since if shifted else watermark, "page": 1, "high": high})

    def _key(self, row: dict) -> str:
        try:
            return self.source_id(row)
        except (KeyError, TypeError, ValueError):
            return repr(sorted(row.items()))[:200]


def _parse(stamp: str | None) -> datetime | None:
    """Our own watermarks are aware ISO stamps; older cursors hold Visma's offset-less (UTC) text."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
