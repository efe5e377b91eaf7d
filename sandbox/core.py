"""The shared layer of every vendor sandbox: `VendorSandbox`, the base class each vendor subclasses.

A sandbox is a local, faithful simulator of a vendor API, served over real HTTP
so the production clients talk to it unchanged (only the base URL differs).
`VendorSandbox.handle` is the pipeline every vendor call goes through: route
matching, injectable faults (faults.py), the fixed-window rate limit, token
revocation, then the vendor's own handler. Vendor packages
(``sandbox/vendors/<vendor>/``) subclass it, declare their routes and their own
error bodies. Around it: the clock, token issuing and rate limits (clock.py),
the request log tests assert on (request_log.py), and the WSGI app that serves
every vendor under its prefix (wsgi.py).
"""
from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any, Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.clock import Clock, FixedWindowLimiter, IssuedToken, TokenIssuer
from sandbox.faults import Faults, Injected
from sandbox.request_log import RequestLog

# The clock, tokens and limits live in clock.py and the request log in request_log.py; vendor modules and tests
# take them from here, with the base class they are built on.
__all__ = ["SPECS_DIR", "Clock", "FixedWindowLimiter", "Handler", "IssuedToken", "RequestLog", "TokenIssuer",
           "VendorSandbox", "json_response"]

# The vendors' official machine-readable specs, copied into the repository (specs/<vendor>/SOURCE.md).
SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers or {},
                    content_type="application/json; charset=utf-8")


class VendorSandbox:
    """Base of one vendor simulator, mounted under ``prefix`` on the sandbox server."""

    name: str = ""
    prefix: str = ""
    token_lifetime: float = 3600
    rate_limit: int | None = None
    rate_window: float = 60.0
    # Paths (relative to the prefix) that faults and rate limits do not touch, e.g. the token endpoint.
    unthrottled_paths: tuple[str, ...] = ()
    # Credentials and non-secret config the sandbox accepts, for the demo tenant and tests.
    demo_credentials: dict = {}
    demo_config: dict = {}

    def __init__(self, clock: Clock, log: RequestLog):
        self.clock = clock
        self.log = log
        self.tokens = TokenIssuer(clock, self.token_lifetime, prefix=self.name)
        self.limiter = FixedWindowLimiter(clock, self.rate_limit, self.rate_window)
        self.faults = Faults()
        self.api_calls = 0
        self.url_map = Map([Rule(path, endpoint=endpoint, methods=methods) for path, methods, endpoint in self.routes()],
                           strict_slashes=False)
        self.reset()

    # --- what each vendor defines --------------------------------------------------
    def prefixes(self) -> tuple[str, ...]:
        """URL prefixes this vendor answers on (some vendors have a separate auth host)."""
        return (self.prefix,)

    def routes(self) -> list[tuple[str, list[str], str]]:
        """(rule, methods, name of the handler method)."""
        return []

    def reset(self) -> None:
        """Drop all data and start from the seeded default."""

    def table_sizes(self) -> dict[str, int]:
        """Rows per table, for benchmarks and tests in another process (GET /_sandbox/stats)."""
        return {}

    def rate_key(self, request: Request) -> str:
        return request.headers.get("Authorization", "anonymous")

    def rate_limited_response(self, retry_after: int) -> Response:
        return json_response({"message": "Too many requests"}, 429, {"Retry-After": str(retry_after)})

    def rate_headers(self, remaining: int, reset: float) -> dict:
        return {}

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"message": message}, status)

    # --- the shared pipeline ------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        adapter = self.url_map.bind("sandbox", path_info=path, url_scheme="http")
        try:
            endpoint, args = adapter.match(method=request.method)
        except MethodNotAllowed:
            return self.error_response(405, f"Method {request.method} not allowed on {path}")
        except NotFound:
            return self.error_response(404, f"No such resource: {path}")
        except HTTPException as exc:
            return self.error_response(exc.code or 400, exc.description or "bad request")

        throttled = not any(path.startswith(p) for p in self.unthrottled_paths)
        extra_headers: dict = {}
        if throttled:
            self.faults.wait_latency()
            injected = self.faults.before()
            if injected is not None:
                return self._faulted(request, injected, self._injected_response(injected))
            allowed, remaining, reset = self.limiter.hit(self.rate_key(request))
            extra_headers = self.rate_headers(remaining, reset)
            if not allowed:
                response = self.rate_limited_response(max(1, int(reset + 0.999)))
                response.headers.update(extra_headers)
                return response
            self.api_calls += 1
            if self.faults.revoke_tokens_after is not None and self.api_calls > self.faults.revoke_tokens_after:
                self.tokens.revoke_all()
                self.faults.revoke_tokens_after = None

        later = self.faults.apply_later(request.method) if throttled else None
        if later is not None:
            return self._faulted(request, Injected("apply_later"), self._applied_later(request, later, endpoint, args))
        response = getattr(self, endpoint)(request, **args)
        response.headers.update({k: v for k, v in extra_headers.items() if k not in response.headers})
        if throttled:
            after = self.faults.after(request.method, response.status_code)
            if after is not None:
                return self._faulted(request, after, self._after_response(request, after, response))
            if self.faults.roll(self.faults.malformed_ratio):
                response.set_data(b'{"truncated": ')
        return response

    def _injected_response(self, injected: Injected) -> Response:
        """What a fault chosen before handling answers: the vendor's own 429 or error body unless one was given."""
        status, body = injected.status, injected.body
        if status == 429 and body is None:
            response = self.rate_limited_response(int(injected.headers.get("Retry-After", 1)))
        elif body is None:
            response = self.error_response(status, "Injected fault") if status >= 400 else json_response({}, status)
        elif isinstance(body, (bytes, str)):
            response = Response(body, status=status)
        else:
            response = json_response(body, status)
        response.headers.update(injected.headers)
        return response

    def _after_response(self, request: Request, injected: Injected, applied: Response) -> Response:
        """The write is applied; answer a 5xx, or hold the connection and close it without an answer."""
        if injected.kind == "error_after":
            return self.error_response(injected.status, "Injected server error (the request was processed)")
        threading.Event().wait(self.faults.hang_seconds)
        self._hang_up(request)
        return applied

    def _applied_later(self, request: Request, seconds: float, endpoint: str, args: dict) -> Response:
        """Hold the write unanswered, apply it `seconds` after it arrived, then close without an answer."""
        threading.Event().wait(seconds)
        applied = getattr(self, endpoint)(request, **args)
        self._hang_up(request)
        return applied

    @staticmethod
    def _hang_up(request: Request) -> None:
        connection = request.environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # the server's write then fails quietly: no answer at all
            except OSError:
                pass  # the client hung up first

    @staticmethod
    def _faulted(request: Request, injected: Injected, response: Response) -> Response:
        request.environ["sandbox.fault"] = injected.kind  # for the request log
        return response

    # --- helpers for vendor handlers ---------------------------------------------------
    @staticmethod
    def bearer(request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return None

    @staticmethod
    def body_json(request: Request) -> Any:
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return None


Handler = Callable[..., Response]
