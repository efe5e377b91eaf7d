"""A test-only append destination served over real HTTP: rows are only ever added, each with a batch id.

Like a Power BI push dataset it cannot update a row and has no natural key; unlike Power BI it lets us
read rows back by their batch id, which is how the engine finds out whether a batch it sent arrived.
"""
from __future__ import annotations

import json
import threading
import time

from werkzeug.wrappers import Request, Response

from sandbox.server import start_in_thread


class AppendLedger:
    def __init__(self):
        self.rows: list[dict] = []
        self.posts = 0
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.rows, self.posts, self.delay, self.in_flight, self.max_in_flight = [], 0, 0.0, 0, 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "POST" and request.path == "/batches":
            response = self.append(json.loads(request.get_data(as_text=True)))
        elif request.method == "GET" and request.path == "/rows":
            batch = request.args.get("batch_id", "")
            rows = [r for r in self.rows if r["batch_id"] == batch]
            response = Response(json.dumps({"rows": rows}), content_type="application/json")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def append(self, body: dict) -> Response:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            with self._lock:
                self.posts += 1
                self.rows.extend({**row, "batch_id": body["batch_id"]} for row in body["rows"])
            return Response(json.dumps({"appended": len(body["rows"])}), status=201, content_type="application/json")
        finally:
            with self._lock:
                self.in_flight -= 1


def start() -> tuple[AppendLedger, object]:
    ledger = AppendLedger()
    return ledger, start_in_thread(app=ledger)
