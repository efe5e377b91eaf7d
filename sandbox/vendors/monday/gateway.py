"""The gateway in front of the monday sandbox's GraphQL layer: the hooks of the shared pipeline (sandbox/core.py).

Limits are counted per account (docs/vendors/monday.md §6): concurrency from a request's arrival to its answer,
the minute rate, and the IETF draft RateLimit headers on every call; refusals come in monday's error envelope.
`GatewayMixin` is mixed into `MondaySandbox` (api.py), which provides `authenticate`, the per-request `_current`
(a threading.local) and the counters of limits.py (`limiter`, `concurrency`, `complexity`).
"""
from __future__ import annotations

import math

from werkzeug.wrappers import Response

from sandbox.core import json_response
from sandbox.vendors.monday.contract import UNCONFIRMED, graphql_error


class GatewayMixin:
    def rate_key(self, request):
        # Limits are counted per account (docs/vendors/monday.md §6).
        found = self.authenticate(request)
        self._current.key = f"account:{found[0].subject['account_id']}" if found else "anonymous"
        return self._current.key

    def rate_headers(self, remaining, reset):
        self._current.minute = (remaining, reset)
        return {"RateLimit-Policy": self.rate_limit_policy(), "RateLimit": self.rate_limit_state()}

    def rate_limit_policy(self) -> str:
        # IETF draft headers on every call (docs/vendors/monday.md §6).
        return (f'"minuteRate";q={self.limiter.limit};w={int(self.rate_window)}, '
                f'"concurrency";q={self.concurrency.limit};qu="concurrent-requests", '
                f'"complexityMinute";q={self.complexity.limit};w={int(self.complexity.window)};qu="content-bytes"')

    def rate_limit_state(self) -> str:
        remaining, reset = getattr(self._current, "minute", (self.limiter.limit, self.rate_window))
        key = getattr(self._current, "key", "anonymous")
        minute = f'"minuteRate";r={remaining}' + (f";t={math.ceil(reset)}" if remaining == 0 else "")
        # This request is still in flight while the header is written, so it is not counted as free.
        concurrency = f'"concurrency";r={self.concurrency.left(key)}'
        left, reset_in = self.complexity.left(key)
        return f'{minute}, {concurrency}, "complexityMinute";r={left};t={math.ceil(reset_in)}'

    def rate_limited_response(self, retry_after):
        error = UNCONFIRMED["minute_limit_error"]
        return self.refusal(429, error["message"], error["code"], retry_after)

    def refusal(self, status, message, code, retry_after=None) -> Response:
        extra = {"retry_in_seconds": retry_after} if retry_after is not None else {}
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return json_response({"errors": [graphql_error(message, code, status, **extra)]}, status, headers)

    def error_response(self, status, message):
        code = UNCONFIRMED["transport_error_codes"].get(status, "InternalServerError")
        return json_response({"errors": [graphql_error(message, code, status)]}, status)

    def handle(self, request, path):
        # Concurrency counts every request of the account in flight, from arrival to answer (§6).
        key = self.rate_key(request)
        if not self.concurrency.enter(key):
            return self.refusal(429, UNCONFIRMED["concurrency_limit_message"], "maxConcurrencyExceeded", 1)
        try:
            return super().handle(request, path)
        finally:
            self.concurrency.leave(key)

