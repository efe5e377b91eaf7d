"""Serving the sandboxes over real HTTP, in a thread (tests) or in the foreground (demo)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.core import SandboxApp
from sandbox.vendors import SANDBOXES


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        if logging.getLogger("sandbox").isEnabledFor(logging.DEBUG):
            super().log_request(*args, **kwargs)


def build_app() -> SandboxApp:
    return SandboxApp(list(SANDBOXES))


@dataclass
class RunningSandbox:
    app: SandboxApp
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_in_thread(host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None) -> RunningSandbox:
    app = app or build_app()
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="sandbox", daemon=True)
    thread.start()
    return RunningSandbox(app=app, server=server, thread=thread)


def serve_forever(host: str, port: int) -> None:
    server = make_server(host, port, build_app(), threaded=True, request_handler=QuietHandler)
    server.serve_forever()
