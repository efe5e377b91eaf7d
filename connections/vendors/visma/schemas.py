"""Visma.net wire formats: value-wrapped write bodies and delta timestamps (docs/vendors/visma.md §4 Writes, §7)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

# Sent bare, never wrapped: a line's `operation`, and SegmentUpdateDto's segmentId/segmentValue
# (journal line `subaccount` = [{"segmentId": 1, "segmentValue": "10"}, …]).
PLAIN_KEYS = frozenset({"operation", "segmentId", "segmentValue"})


def wrap_values(data: dict, plain: Iterable[str] = PLAIN_KEYS) -> dict:
    """Plain fields → a Visma write body: every scalar becomes {"value": …}, recursively.

    Nested objects (contact, address) stay objects whose own scalars are wrapped, as the current spec's
    EmployeeCreateDTO does; lists of lines keep each line an object (with a bare `operation`). None is
    stripped, because Visma treats a sent null as "clear this field" (PSDK ValueWrapperTransformer).
    A value that is already {"value": …} is kept as it is, so wrapping twice is harmless.
    """
    plain = frozenset(plain)
    body: dict = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in plain:
            body[key] = value
        elif isinstance(value, dict):
            body[key] = value if set(value) == {"value"} else wrap_values(value, plain)
        elif isinstance(value, (list, tuple)):
            body[key] = [wrap_values(item, plain) if isinstance(item, dict) else item for item in value]
        else:
            body[key] = {"value": _scalar(value)}
    return body


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def visma_timestamp(moment: datetime) -> str:
    """yyyy-MM-ddTHH:mm:ss.FFF, the most precise of the accepted delta formats (docs/vendors/visma.md §7).

    Visma compares without an offset in company-local time (UNCONFIRMED); an aware datetime is sent as
    UTC, which is what the sandbox uses. A company in another zone would need its zone here.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
