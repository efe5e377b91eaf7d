"""Reading a vendor's answers: bodies as JSON (odd numbers kept as text), Retry-After, the error class per
status, the vendor's own message (its message fields only, bounded) and what to tell the user.
"""
from __future__ import annotations

import json
import math
import time
from typing import Any

from connections.vendors.errors import (
    VendorAuthError,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorPermissionError,
    VendorPreconditionFailed,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)

# What is echoed of a vendor's error answer: its message fields only, never the raw body, and at most this
# much of them; a URL pointed at something that is not the vendor must not be a way to read that thing.
MESSAGE_LIMIT = 200


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class UnreadableNumber(str):
    """A JSON number Python cannot hold as a number: a float that overflows (`1e400`), an integer past
    Python's digit limit (`sys.get_int_max_str_digits`, 4,300), or NaN/Infinity. It stays in its record
    as the vendor's text, so only that record fails (mapping it raises ValueError) and the page is read."""


def _json_float(text: str) -> float | UnreadableNumber:
    value = float(text)
    return value if math.isfinite(value) else UnreadableNumber(text)


def _json_int(text: str) -> int | UnreadableNumber:
    try:
        return int(text)
    except ValueError:
        return UnreadableNumber(text)


def vendor_json_loads(raw: bytes | str) -> Any:
    """Parse a vendor's JSON body; odd numbers become UnreadableNumber instead of failing the whole body."""
    return json.loads(raw, parse_float=_json_float, parse_int=_json_int, parse_constant=UnreadableNumber)


DEFAULT_HINTS = {
    VendorAuthError: "Check the credentials on the connection; if they were changed or revoked at the vendor, enter new ones.",
    VendorPermissionError: "The account authenticates but lacks a permission or scope; ask the vendor admin to grant it.",
    VendorNotFound: "The resource does not exist for this account; check ids in the connection settings.",
    VendorRejected: "Correct the value the vendor names (at the source, or in the mapping that produced it), "
                    "then replay the record.",
    VendorConflict: "The record changed at the vendor meanwhile; it will be re-read and retried.",
    VendorPreconditionFailed: "The record changed at the vendor since it was read; it is re-read and written again.",
    VendorRateLimited: "The vendor's rate limit was hit; the sync waits as asked and continues.",
    VendorUnavailable: "The vendor is having trouble; the call will be retried with backoff.",
}
TIMEOUT_HINT = "It will be retried; if it keeps happening, check the vendor's status page."

# A connection test is not retried: the hints that promise a retry are true of a sync only, so a test says
# what the person testing can do instead (connections.services.connection_test).
RETRY_PROMISES = {DEFAULT_HINTS[VendorUnavailable], DEFAULT_HINTS[VendorRateLimited], DEFAULT_HINTS[VendorConflict],
                  TIMEOUT_HINT}
TEST_HINTS = {
    VendorRateLimited: "The vendor's rate limit was hit; wait a minute, then test again.",
    VendorError: "The vendor is having trouble or did not answer in time; test again in a few minutes, and "
                 "check the vendor's status page if it goes on.",
}


def connection_test_hint(error) -> str | None:
    """The hint a connection test shows instead of the error's own, when that one promises a retry."""
    if error.hint not in RETRY_PROMISES:
        return None
    return TEST_HINTS.get(type(error)) or TEST_HINTS[VendorError]


def error_class_for(status: int) -> type[VendorError]:
    if status == 401:
        return VendorAuthError
    if status == 403:
        return VendorPermissionError
    if status == 404:
        return VendorNotFound
    if status == 412:
        return VendorPreconditionFailed
    if status in (409, 423):
        return VendorConflict
    if status == 429:
        return VendorRateLimited
    if status >= 500:
        return VendorUnavailable
    return VendorRejected


def extract_message(body: Any, *, nested: bool = False) -> str:
    """Pull a human message out of the common error-body shapes vendors use: their message fields only.

    A bare string or an unknown JSON shape is not an error message we recognise, so nothing of it is
    returned: what a URL answers that is not the vendor must not come back in our error text."""
    if isinstance(body, dict):
        for key in ("ExceptionMessage", "error_description", "message", "Message", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return bounded(value)
        for key in ("error", "errors", "Messages", "messages"):
            value = body.get(key)
            if isinstance(value, (dict, list)):
                inner = extract_message(value, nested=True)
                if inner:
                    return inner
            elif isinstance(value, str) and value:
                return bounded(value)
    if isinstance(body, list) and body:
        return bounded("; ".join(filter(None, (extract_message(item, nested=nested) for item in body[:3]))))
    if isinstance(body, str) and nested:
        return bounded(body)
    return ""


def bounded(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeout_text(timeout) -> str:
    if isinstance(timeout, tuple):
        return f"{timeout[0]:g}s to connect and {timeout[1]:g}s to answer"
    return f"{timeout:g}s"
