"""The monday.com GraphQL transport (docs/vendors/monday.md §2, §6): one POST of a named document, paced, and
every error found in the body raised as the project's own.

Every call is one POST of a named document from `documents.py` with its values as variables, and
application-level errors (permissions, bad column values, complexity budget) come back as HTTP 200 with an
``errors`` array (§2). `raise_for_response`, the single hook the base request loop calls, looks inside every
body and maps ``extensions.code`` onto the project's error taxonomy (`errors.py`), so a rate-limit error found
in a 200 body is retried exactly like a 429. Each answer's cost and budget feed the connection's pacer
(`pacing.py`).
"""
from __future__ import annotations

import re
import threading
from typing import Any

import requests

from connections.vendors.base import DEFAULT_HINTS, backoff_delay, bounded, error_class_for, parse_retry_after
from connections.vendors.errors import VendorConflict, VendorError, VendorRateLimited, VendorRejected, VendorUnavailable
from connections.vendors.monday.errors import CLASS_STATUS, ERROR_CODES, graphql_errors, retry_in_seconds
from connections.vendors.monday.pacing import budget_from_headers, pacer_for

GRAPHQL_PATH = "v2"
OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)")


class MondayGraphQL:
    """The transport half of `MondayClient` (mixed into it; `self` is a `BaseClient` with monday's `hints` and
    `code_hints`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pacer = pacer_for(self.cache_key)
        self._partial = threading.local()  # set while a batch accepts per-alias errors

    def graphql(self, document: str, variables: dict | None = None, *, partial: bool = False) -> dict:
        """Run one named document and return its ``data``; any error in the body raises (unless `partial`:
        then errors of single aliases come back in ``data["_errors"]``)."""
        named = OPERATION.match(document)
        if named is None:
            raise ValueError("monday documents are named operations from documents.py")
        kind, name = named.groups()
        payload: dict[str, Any] = {"query": document}
        if variables:
            payload["variables"] = variables
        attempt = 0
        while True:
            wait = self.pacer.wait_before(name)
            if wait > self.max_inline_wait:
                # Not sent: it would only be refused. Long waits belong to the caller (Celery), like a 429's.
                raise VendorRateLimited(
                    f"{self.vendor_label}'s complexity budget for this minute is used up; it resets in "
                    f"{wait:.0f} s. {self.hints[429]}", vendor=self.vendor_label, status=429, retry_after=wait,
                    hint=self.hints[429])
            if wait:
                self.sleep(wait)
            self._partial.on = partial
            try:
                # Queries are reads (safe to retry); mutations are not.
                response = self.request("POST", GRAPHQL_PATH, json=payload, idempotent=kind == "query")
                body = self.json(response)
            except VendorRateLimited as error:
                if error.retry_after is not None:
                    self.pacer.exhausted(error.retry_after)
                raise
            except VendorConflict as error:
                # 423: the board is being updated and nothing was applied, so even a mutation is resent.
                attempt += 1
                if error.status != 423 or attempt >= self.max_attempts:
                    raise
                self.sleep(backoff_delay(attempt))
                continue
            except VendorUnavailable:
                # A truncated body on a read is safe to ask for again; a mutation may already have
                # been applied, so that goes up instead of being silently repeated.
                attempt += 1
                if kind == "mutation" or attempt >= self.max_attempts:
                    raise
                self.sleep(backoff_delay(attempt))
                continue
            finally:
                self._partial.on = False
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise VendorUnavailable(f"{self.vendor_label} answered without a data object.",
                                        vendor=self.vendor_label, status=response.status_code)
            self._observe(name, data, response)
            if partial:
                data["_errors"] = {str(e["path"][0]): self._error(e, response.status_code)
                                   for e in graphql_errors(body)}
            return data

    def _observe(self, name: str, data: dict, response: requests.Response) -> None:
        remaining, reset_in = budget_from_headers(response.headers)
        complexity = data.get("complexity") or {}
        self.pacer.observe(name, cost=complexity.get("query"),
                           remaining=complexity.get("after", remaining),
                           reset_in=complexity.get("reset_in_x_seconds", reset_in))

    def raise_for_response(self, response: requests.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = graphql_errors(body)
        if errors and response.status_code == 200 and getattr(self._partial, "on", False) and all(
                e.get("path") for e in errors):
            return  # errors of single fields (aliases) of a batch: `graphql(partial=True)` hands them out
        if not errors:
            # Non-GraphQL failures (an HTML 502 from a proxy, an empty 401) take the common path.
            super().raise_for_response(response)
            return
        # Partial data comes with errors (docs/vendors/monday.md §2); a connector must not act on half an answer,
        # so any error fails the call. The first error decides the class and the message.
        raise self._error(errors[0], response.status_code, errors, response.headers.get("Retry-After"))

    def _error(self, first: dict, status: int, errors: list[dict] | None = None,
               retry_after_header: str | None = None) -> VendorError:
        errors = errors or [first]
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code") or "")
        declared = extensions.get("status_code")
        error_class = ERROR_CODES.get(code)
        if error_class is None:
            if isinstance(declared, int) and declared >= 400:
                error_class = error_class_for(declared)
            elif status >= 400:
                error_class = error_class_for(status)
            else:
                error_class = VendorRejected  # e.g. GraphQL validation errors, served as 200
        effective_status = status if status >= 400 else (
            declared if isinstance(declared, int) and declared >= 400 else CLASS_STATUS.get(error_class, 400))
        vendor_message = bounded("; ".join(str(e.get("message", "")).strip() for e in errors[:3] if e.get("message")))
        hint = self.code_hints.get(code) or self.hints.get(effective_status) or DEFAULT_HINTS.get(error_class, "")
        said = f": {vendor_message.rstrip('. ')}" if vendor_message else ""
        named = f" ({code})" if code else ""
        # Application errors arrive as HTTP 200 (docs/vendors/monday.md §2); saying "answered 200" would mislead.
        answered = f"answered {status}" if status >= 400 else "refused the request"
        message = f"{self.vendor_label} {answered}{said}{named}."
        if hint:
            message += f" {hint}"
        retry_after = parse_retry_after(retry_after_header)
        if retry_after is None:
            retry_after = retry_in_seconds(first)
        return error_class(message, vendor=self.vendor_label, status=effective_status,
                           vendor_message=vendor_message, retry_after=retry_after, hint=hint)
