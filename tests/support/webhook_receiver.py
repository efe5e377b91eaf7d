"""A tiny local HTTP receiver for webhook tests: records every POST, answers with scripted statuses.

POSTs to `/oauth/token` are answered with an access token, for vendors that fetch one from the receiver
before delivering (Paychex's OAUTH2 hooks)."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


TOKEN = "receiver-issued-token"


@dataclass
class Received:
    headers: Message
    body: bytes
    path: str = ""


class WebhookReceiver:
    def __init__(self, statuses: list[int] | None = None):
        self.received: list[Received] = []
        self.statuses = list(statuses or [])  # answered in order, then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.headers, body, self.path))
                if self.path == "/oauth/token":
                    answer = json.dumps({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="webhook-receiver", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.origin}/hooks/visma"

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
