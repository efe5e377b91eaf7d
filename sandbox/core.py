"""The shared layer of every vendor sandbox.

A sandbox is a local, faithful simulator of a vendor API, served over real HTTP
so the production clients talk to it unchanged (only the base URL differs).
This module holds what all vendors share: token issuing with expiry and
revocation, fixed-window rate limits, injectable faults, and a request log that
tests assert on. Vendor modules (``sandbox/vendors/<vendor>.py``) subclass
``VendorSandbox`` and declare their routes and their own error bodies.
"""
from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Faults, Injected

# The vendors' official machine-readable specs, copied into the repository (specs/<vendor>/SOURCE.md).
SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"

SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie"}
SECRET_FORM_FIELDS = {"client_secret", "password", "refresh_token", "code"}
LOGGED_BODY_MAX = 64 * 1024


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers or {},
                    content_type="application/json; charset=utf-8")


class Clock:
    """Wall clock with an offset tests can move (token expiry, rate windows)."""

    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class IssuedToken:
    value: str
    subject: dict
    expires_at: float
    revoked: bool = False


class TokenIssuer:
    def __init__(self, clock: Clock, lifetime: float = 3600, prefix: str = "tok"):
        self.clock = clock
        self.lifetime = lifetime
        self.prefix = prefix
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, subject: dict, lifetime: float | None = None) -> IssuedToken:
        lifetime = self.lifetime if lifetime is None else lifetime
        token = IssuedToken(f"{self.prefix}_{secrets.token_urlsafe(24)}", dict(subject), self.clock.now() + lifetime)
        with self._lock:
            self._tokens[token.value] = token
            self.issued += 1
        return token

    def validate(self, value: str | None) -> IssuedToken | None:
        token = self._tokens.get(value or "")
        if token is None or token.revoked or token.expires_at <= self.clock.now():
            return None
        return token

    def revoke_all(self) -> int:
        with self._lock:
            live = [t for t in self._tokens.values() if not t.revoked]
            for token in live:
                token.revoked = True
        return len(live)

    def seconds_left(self, token: IssuedToken) -> int:
        return max(0, int(token.expires_at - self.clock.now()))


class FixedWindowLimiter:
    """N requests per window per caller key, like most vendor gateways."""

    def __init__(self, clock: Clock, limit: int | None, window: float):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one request; returns (allowed, remaining, seconds until reset)."""
        if self.limit is None:
            return True, 1_000_000, self.window
        now = self.clock.now()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
        reset = max(0.0, start + self.window - now)
        return count <= self.limit, max(0, self.limit - count), reset

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


@dataclass
class LoggedRequest:
    vendor: str
    method: str
    path: str
    query: dict
    headers: dict
    body: Any
    status: int = 0
    at: float = 0.0
    fault: str = ""  # the injected fault's kind (sandbox/faults.py), "" when none
    answer: str = ""  # the start of an error response's body (>= 400), e.g. Visma's "already exists"


class RequestLog:
    def __init__(self, maxlen: int = 200_000):
        self.entries: deque[LoggedRequest] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        # Called with each entry as it is logged, before the answer is sent: a chaos test kills a worker
        # the instant a write is applied, between the vendor's answer and the caller's commit.
        self.listeners: list[Callable[[LoggedRequest], None]] = []

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.entries.append(entry)
        for listener in list(self.listeners):
            listener(entry)

    def filter(self, vendor: str | None = None, method: str | None = None, path_contains: str | None = None,
               writes_only: bool = False, status: int | None = None, fault: str | None = None,
               answer_contains: str | None = None, status_at_least: int | None = None) -> list[LoggedRequest]:
        with self._lock:
            entries = list(self.entries)
        return [
            e for e in entries
            if (vendor is None or e.vendor == vendor)
            and (method is None or e.method == method.upper())
            and (path_contains is None or path_contains in e.path)
            and (not writes_only or e.method in ("POST", "PUT", "PATCH", "DELETE"))
            and (status is None or e.status == status)
            and (fault is None or e.fault == fault)
            and (answer_contains is None or answer_contains in e.answer)
            and (status_at_least is None or e.status >= status_at_least)
        ]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


def redacted_headers(headers) -> dict:
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


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


class SandboxApp:
    """WSGI app that serves every registered vendor under its prefix, plus a control API."""

    def __init__(self, vendor_classes: list[type[VendorSandbox]]):
        self.clock = Clock()
        self.log = RequestLog()
        self.vendors: dict[str, VendorSandbox] = {}
        self.by_prefix: list[tuple[str, VendorSandbox]] = []
        for cls in vendor_classes:
            vendor = cls(self.clock, self.log)
            self.vendors[vendor.name] = vendor
            for prefix in vendor.prefixes():
                self.by_prefix.append((prefix, vendor))
        self.by_prefix.sort(key=lambda item: -len(item[0]))
        self._flight_lock = threading.Lock()
        self.in_flight = self.in_flight_peak = 0
        self.in_flight_by_vendor: dict[str, int] = {}
        self.in_flight_peaks: dict[str, int] = {}  # per vendor: how many one client had in flight to that vendor

    def __getitem__(self, name: str) -> VendorSandbox:
        return self.vendors[name]

    def dump_state(self) -> dict:
        """Data of every vendor that keeps state across restarts (the others reseed deterministically)."""
        return {name: vendor.dump_state() for name, vendor in self.vendors.items() if hasattr(vendor, "dump_state")}

    def load_state(self, state: dict) -> None:
        for name, vendor_state in state.items():
            if name in self.vendors and hasattr(self.vendors[name], "load_state"):
                self.vendors[name].load_state(vendor_state)

    def reset(self) -> None:
        self.log.clear()
        self.log.listeners.clear()
        self.clock.offset = 0
        for vendor in self.vendors.values():
            vendor.faults = Faults()
            # Tests tune these; a reset puts every vendor back to its documented defaults.
            vendor.tokens.lifetime = type(vendor).token_lifetime
            vendor.limiter.limit = type(vendor).rate_limit
            vendor.limiter.window = type(vendor).rate_window
            vendor.limiter.reset()
            vendor.api_calls = 0
            vendor.reset()

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.control(request, path[len("/_sandbox/"):])
        for prefix, vendor in self.by_prefix:
            if path == prefix or path.startswith(prefix + "/"):
                entry = LoggedRequest(
                    vendor=vendor.name, method=request.method, path=path, query=request.args.to_dict(flat=False),
                    headers=redacted_headers(request.headers), body=_logged_body(request), at=self.clock.now())
                self._in_flight(+1, vendor.name)
                try:
                    response = vendor.handle(request, path[len(prefix):] or "/")
                except Exception as exc:  # a sandbox bug must show up as a 500, like a vendor's would
                    response = json_response({"message": f"sandbox error: {type(exc).__name__}: {exc}"}, 500)
                finally:
                    self._in_flight(-1, vendor.name)
                entry.status = response.status_code
                entry.fault = request.environ.get("sandbox.fault", "")
                if response.status_code >= 400:
                    entry.answer = response.get_data(as_text=True)[:300]
                self.log.add(entry)
                return response
        return json_response({"message": f"No sandbox serves {path}",
                              "vendors": sorted(p for p, _ in self.by_prefix)}, 404)

    def _in_flight(self, change: int, vendor: str) -> None:
        """Requests being served now, and the most at once since the last reset: how many a client had in flight
        (in all, and to each vendor)."""
        with self._flight_lock:
            self.in_flight += change
            self.in_flight_peak = max(self.in_flight_peak, self.in_flight)
            now = self.in_flight_by_vendor[vendor] = self.in_flight_by_vendor.get(vendor, 0) + change
            self.in_flight_peaks[vendor] = max(self.in_flight_peaks.get(vendor, 0), now)

    def in_flight_clear(self) -> None:
        with self._flight_lock:
            self.in_flight_peak = self.in_flight
            self.in_flight_peaks = dict(self.in_flight_by_vendor)

    def table_sizes(self) -> dict:
        return {name: vendor.table_sizes() for name, vendor in self.vendors.items()}

    def control(self, request: Request, action: str) -> Response:
        from sandbox.control import control

        return control(self, request, action)


def _logged_body(request: Request) -> Any:
    if request.mimetype == "application/x-www-form-urlencoded":
        return {k: ("***" if k in SECRET_FORM_FIELDS else v) for k, v in request.form.items()}
    text = request.get_data(as_text=True, cache=True)
    if not text:
        return None
    if len(text) > LOGGED_BODY_MAX:
        # Bulk bodies (10,000 Power BI rows a POST) would hold every row twice in memory; tests assert on the
        # vendor's own store for those.
        return {"_truncated": len(text), "start": text[:2000]}
    try:
        return json.loads(text)
    except ValueError:
        return text[:2000]


Handler = Callable[..., Response]
