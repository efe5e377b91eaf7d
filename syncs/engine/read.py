"""Reading: the flow's streams and clients, the mappings, and pages split so each source id is written once.

Nothing here writes to a destination; the engine gets every stream through the flow registry and every
client through the vendor registry, never by importing a vendor module.
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Iterator

from django.conf import settings
from django.db import connections

from connections.vendors import get_vendor
from syncs.flows import flow_module
from syncs.flows.base import FlowContext, Page, Stream
from syncs.mapping import FieldRule, MappingSet
from syncs.models import VENDOR_ID_LENGTH, FieldMapping, Integration, ValueMapping
from syncs.ratelimit import SharedRateLimiter


def mapping_set_load(*, integration: Integration) -> MappingSet:
    values: dict[str, dict[str, str]] = {}
    for row in ValueMapping.objects.filter(integration=integration).values("map_name", "source_value", "target_value"):
        values.setdefault(row["map_name"], {})[row["source_value"]] = row["target_value"]
    overrides: dict[str, dict[str, FieldRule]] = {}
    for row in FieldMapping.objects.filter(integration=integration):
        overrides.setdefault(row.stream, {})[row.target_field] = FieldRule(
            target=row.target_field, source=row.source_field, value_map=row.value_map, default=row.default or None)
    return MappingSet(values=values, overrides=overrides)


def flow_context(*, integration: Integration, started_at: datetime | None = None) -> FlowContext:
    def client(connection):
        vendor = get_vendor(connection.kind)
        limiter = SharedRateLimiter(f"{vendor.kind}:{connection.pk}",
                                    getattr(vendor.client_class, "rate_limits", ()))
        return vendor.client_for(connection, rate_limiter=limiter)

    options = dict(integration.options or {})
    skew = options.get("clock_skew_seconds", settings.SYNC_CLOCK_SKEW_SECONDS)
    return FlowContext(integration=integration, source=client(integration.source),
                       destination=client(integration.destination), options=options, started_at=started_at,
                       clock_skew=timedelta(seconds=float(skew)))


def flow_streams(*, integration: Integration, ctx: FlowContext) -> list[Stream]:
    streams = flow_module(integration.flow_kind).build_streams(ctx)
    wanted = set(integration.streams or [])
    return [s for s in streams if not wanted or s.name in wanted]


class BadSourceId(ValueError):
    """The record has no id we can store (missing, or longer than a vendor id column)."""


def source_id_of(stream: Stream, record) -> str:
    """The stream's id for the record, refused cleanly when it cannot be stored."""
    source_id = str(stream.source_id(record))
    if not source_id:
        raise BadSourceId("the record's id is empty")
    if len(source_id) > VENDOR_ID_LENGTH:
        raise BadSourceId(f"the record's id is {len(source_id)} characters long; ids are at most "
                          f"{VENDOR_ID_LENGTH}")
    return source_id


def unidentified_id(record, source_id: str | None = None) -> str:
    """A stable stand-in id for a record whose own id cannot be stored (it must fit the column too)."""
    basis = source_id if source_id is not None else safe_payload(record)
    digest = hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()
    return f"unidentified:{digest[:32]}"


def safe_payload(record) -> dict:
    """The record as storable JSON; a record that is not (Infinity, 5,000-digit numbers) is kept as text."""
    try:
        if isinstance(record, dict):
            json.dumps(record, allow_nan=False, default=str)
            return record
    except (TypeError, ValueError, OverflowError, RecursionError):
        pass
    try:
        text = repr(record)
    except Exception:  # a number too long to print: Python refuses to convert it
        text = f"<{type(record).__name__} that cannot be printed>"
    return {"raw": text[:2000]}


def chunks_by_source(stream: Stream, records: list) -> list[list]:
    """Split a page so no source id occurs twice in a chunk: the second record of one person (a rehire's
    new worker) is planned only after the first one's write settled, so it updates instead of creating."""
    chunks: list[list] = [[]]
    seen: set[str] = set()
    for record in records:
        try:
            key = source_id_of(stream, record)
        except Exception:
            key = None
        if key is not None and key in seen:
            chunks.append([])
            seen = set()
        if key is not None:
            seen.add(key)
        chunks[-1].append(record)
    return chunks


_END = object()


def pages_ahead(pages: Iterator[Page]) -> Iterator[Page]:
    """The stream's pages, the next one read on a thread while the caller plans and writes this one.

    Reading ahead changes nothing the engine promises: a page's cursor is still saved only with its
    settle transaction, and a page read ahead of a run that stops is simply read again by the next one.
    Only for streams that declare `read_ahead` (their fetch talks HTTP only); a database connection the
    thread may still open is closed with it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
    try:
        ahead = pool.submit(next, pages, _END)
        while True:
            page = ahead.result()
            if page is _END:
                return
            ahead = pool.submit(next, pages, _END)
            yield page
    finally:
        pool.submit(connections.close_all)
        pool.shutdown(wait=True)
