"""The WSGI app of the sandbox server: every registered vendor under its URL prefix, plus the control API.

One `SandboxApp` holds the shared clock and request log, builds each vendor on them, finds the vendor a
path belongs to (longest prefix first), logs the call and counts the requests in flight. What happens inside
a vendor — faults, rate limits, routing to a handler — is `VendorSandbox.handle` (core.py); the
/_sandbox/ control routes are in control.py.
"""
from __future__ import annotations

import threading

from werkzeug.wrappers import Request, Response

from sandbox.clock import Clock
from sandbox.core import VendorSandbox, json_response
from sandbox.faults import Faults
from sandbox.request_log import LoggedRequest, RequestLog, logged_body, redacted_headers


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
                    headers=redacted_headers(request.headers), body=logged_body(request), at=self.clock.now())
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
