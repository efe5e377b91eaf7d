"""Paychex hooks end to end over real HTTP: we register our intake URL at the Paychex sandbox, a worker
changes there, and the sandbox's delivery reaches the live test server, which verifies it with the
credentials we registered and stores the inbound event."""
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connections.services import connection_webhooks_register
from sandbox.vendors.paychex import DEMO_COMPANY_ID
from syncs.models import InboundEvent
from tests.support.embedded import free_port
from tests.support.paychex import connection, paychex  # noqa: F401 (fixtures)
from tests.support.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
NEW_TITLE = "850038652"  # Team Lead


def first_worker(paychex):
    return next(iter(paychex.company_data[DEMO_COMPANY_ID]["workers"]))


def test_a_registered_hook_delivers_a_change_that_is_stored_once(settings, live_server, connection, paychex,
                                                                  eager_tasks):
    settings.SITE_URL = live_server.url
    hook = connection_webhooks_register(connection=connection)
    worker_id = first_worker(paychex)

    paychex.job_change(worker_id, job_title_id=NEW_TITLE)
    assert paychex.dispatcher.flush()

    [delivery] = paychex.dispatcher.deliveries
    assert (delivery["hook_id"], delivery["status"]) == (hook["hookId"], 200)
    event = InboundEvent.objects.get()
    assert (event.connection_id, event.event_id, event.type, event.source_ids) == (
        connection.pk, delivery["notification"]["notificationId"], "WORKER_MESSAGE", [worker_id])


def test_a_caller_without_the_registered_auth_gets_401_and_nothing_is_stored(settings, live_server, connection,
                                                                              paychex):
    settings.SITE_URL = live_server.url
    connection_webhooks_register(connection=connection)
    # Paychex presents what it was registered with; the connection now expects another password.
    connection.refresh_from_db()
    connection.credentials = {**connection.credentials, "webhook_password": "not-what-paychex-has"}
    connection.save()

    paychex.terminate(first_worker(paychex))
    assert paychex.dispatcher.flush()

    assert [d["status"] for d in paychex.dispatcher.deliveries] == [401]
    assert InboundEvent.objects.count() == 0
    assert paychex.dispatcher.waiting == 1  # Paychex will try again in five minutes


class Forwarder:
    """Our endpoint as the outside world reaches it: down until started, then passing requests to the live server."""

    def __init__(self, port: int, target: str):
        self.port, self.target = port, target
        self.server = None

    def start(self):
        target = self.target

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                request = urllib.request.Request(target + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=5) as answer:
                        status = answer.status
                except urllib.error.HTTPError as refused:
                    status = refused.code
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def test_a_delivery_while_our_endpoint_is_down_is_retried_after_five_minutes_and_stored_once(
        settings, live_server, connection, paychex, sandbox, eager_tasks):
    port = free_port()
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    forwarder = Forwarder(port, live_server.url)
    connection_webhooks_register(connection=connection)
    try:
        paychex.org_move(first_worker(paychex), organization_id="850002407928090")
        assert paychex.dispatcher.flush()
        [refused] = paychex.dispatcher.deliveries
        assert refused["status"] is None and "Connection refused" in refused["error"]

        forwarder.start()
        sandbox.app.clock.advance(299)
        assert paychex.dispatcher.flush()
        assert InboundEvent.objects.count() == 0  # Paychex waits five minutes between attempts
        sandbox.app.clock.advance(1)
        wait_for(lambda: InboundEvent.objects.count() == 1, timeout=10, message="the retried delivery")
        assert paychex.dispatcher.flush()
        sandbox.app.clock.advance(600)
        assert paychex.dispatcher.flush()
    finally:
        forwarder.stop()

    assert [(d["attempt"], d["status"]) for d in paychex.dispatcher.deliveries] == [(1, None), (2, 200)]
    event = InboundEvent.objects.get()
    assert event.event_id == refused["notification"]["notificationId"]


def test_company_access_revoked_and_granted_again_is_shown_on_the_connection(settings, live_server, connection,
                                                                             paychex, eager_tasks):
    settings.SITE_URL = live_server.url
    connection_webhooks_register(connection=connection)

    paychex.company_access(DEMO_COMPANY_ID, granted=False)
    assert paychex.dispatcher.flush()

    connection.refresh_from_db()
    assert connection.status == connection.Status.FAILED
    assert f"not authorized to access company {DEMO_COMPANY_ID} (API-2)" in connection.last_error
    event = InboundEvent.objects.get()
    assert (event.type, event.status, event.source_ids) == ("CLT_ACCESS_MESSAGE", InboundEvent.Status.PROCESSED, [])

    paychex.company_access(DEMO_COMPANY_ID, granted=True)
    assert paychex.dispatcher.flush()

    connection.refresh_from_db()
    assert (connection.status, connection.last_error) == (connection.Status.OK, "")
