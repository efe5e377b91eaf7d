"""Optional error tracking: nothing loads without SENTRY_DSN; with one, an error reaches the DSN's server (a local
receiver here), scrubbed like logs and tagged with the ids the logs carry. Each case is a fresh process, as
settings are read once."""
import gzip
import json
import os
import subprocess
import sys
import zlib

from tests.support.webhook_receiver import WebhookReceiver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = """
import logging, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "mlconnector.settings"
import django
django.setup()
import mlconnector.celery  # a worker loads this too
from mlconnector.logs import log_context
print("loaded:", sorted(m for m in sys.modules if m.split(".")[0] == "sentry_sdk")[:1])
with log_context(tenant_id=7, run_id=42):
    try:
        raise RuntimeError("Visma refused: client_secret=hunter2")
    except RuntimeError:
        logging.getLogger("syncs.engine.run").exception("Run 42 failed, password=hunter2")
if "sentry_sdk" in sys.modules:
    import sentry_sdk
    sentry_sdk.flush(timeout=10)
"""


def run_script(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def decoded(received) -> str:
    body, encoding = received.body, received.headers.get("Content-Encoding", "")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    return body.decode()


def test_without_a_dsn_nothing_is_loaded():
    assert "loaded: []" in run_script()


def test_with_a_dsn_an_error_is_sent_scrubbed_and_tagged():
    receiver = WebhookReceiver()
    try:
        host, port = receiver.server.server_address[:2]
        out = run_script(SENTRY_DSN=f"http://publickey@{host}:{port}/42", SENTRY_ENVIRONMENT="test")

        assert "loaded: ['sentry_sdk']" in out
        envelopes = [decoded(r) for r in receiver.received if r.path.startswith("/api/42/envelope")]
        assert envelopes, [r.path for r in receiver.received]
        events = [json.loads(line) for text in envelopes for line in text.splitlines()[1:]
                  if line.startswith("{") and '"exception"' in line]
        [event] = events
        assert event["exception"]["values"][-1]["type"] == "RuntimeError"
        assert event["tags"]["tenant_id"] == "7" and event["tags"]["run_id"] == "42"
        assert event["environment"] == "test"
        text = json.dumps(event)
        assert "hunter2" not in text and "client_secret=***" in text
    finally:
        receiver.close()
