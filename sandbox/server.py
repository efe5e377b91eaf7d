"""Serving the sandboxes over real HTTP, in a thread (tests) or in the foreground (demo)."""
from __future__ import annotations

import json
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.control import faults_apply
from sandbox.wsgi import SandboxApp
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


def serve_forever(host: str, port: int, state_path: Path | None = None, save_every: float = 5.0,
                  faults: dict | None = None) -> None:
    """Serve until interrupted; with `state_path`, data survives restarts (saved every few seconds and on exit).

    `faults` is {vendor or "*": fault settings} (sandbox/faults.py), e.g. {"*": {"latency_ms": 100}}.
    """
    app = build_app()
    faults_apply(app, faults or {})
    if state_path is not None and state_path.exists():
        app.load_state(json.loads(state_path.read_text()))
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    stop = threading.Event()

    def save() -> None:
        if state_path is not None:
            tmp = state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(app.dump_state(), default=str))
            tmp.replace(state_path)  # atomic: a crash never leaves half a file

    def saver() -> None:
        while not stop.wait(save_every):
            save()

    if state_path is not None:
        threading.Thread(target=saver, name="sandbox-state", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    finally:
        stop.set()
        save()
