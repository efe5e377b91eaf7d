"""The request log: every call a vendor sandbox answered, as tests, benchmarks and the demo read it back.

`SandboxApp` (wsgi.py) adds one `LoggedRequest` per vendor call, after the answer is known and before it is
sent. Secrets never reach the log: credential headers and form fields are masked, and bulk bodies are cut
short so a 10,000-row post is not held twice in memory.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wrappers import Request

SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie"}
SECRET_FORM_FIELDS = {"client_secret", "password", "refresh_token", "code"}
LOGGED_BODY_MAX = 64 * 1024


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


def logged_body(request: Request) -> Any:
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

