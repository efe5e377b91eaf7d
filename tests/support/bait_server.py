"""A local HTTP server that stands for something inside our network: it records every request and answers
with a body holding a fake secret, so a test can assert that nothing reached it and nothing came back."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "INTERNAL-ONLY-4711: admin_password=hunter2 db_url=postgres://root:s3cr3t@10.0.0.5/prod"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes


class BaitServer:
    """Answers every request with `status`, `body` and `headers` (default: 404 with the secret in HTML)."""

    def __init__(self, *, status: int = 404, body: str | dict = f"<html><pre>{SECRET}</pre></html>",
                 headers: dict | None = None):
        self.seen: list[Seen] = []
        self.status, self.headers = status, dict(headers or {})
        self.body = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
        if isinstance(body, dict):
            self.headers.setdefault("Content-Type", "application/json")
        bait = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                bait.seen.append(Seen(self.command, self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(bait.status)
                for name, value in bait.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(bait.body)))
                self.end_headers()
                self.wfile.write(bait.body)

            do_GET = do_POST = do_PUT = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="bait-server", daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentPort:
    """Accepts TCP connections and never answers (a service that hangs)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def stop(self) -> None:
        self.socket.close()


def closed_port_url() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"
