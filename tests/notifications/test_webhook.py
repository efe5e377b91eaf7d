"""The optional webhook: delivered to a real local HTTP server, signed, and never able to break a run."""
import hashlib
import hmac
import json
import socket
import time

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_settings_save
from notifications.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_verify
from syncs.models import SyncRun
from tests.notifications.conftest import map_departments
from tests.notifications.test_run_notifications import closed_port
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "whsec_0123456789abcdef0123"


@pytest.fixture
def receiver():
    running = WebhookReceiver()
    yield running
    running.close()


def hook_to(tenant, url, *, email=True):
    notification_settings_save(tenant=tenant, email_enabled=email, notify_records=True, window_minutes=60,
                               webhook_url=url, webhook_secret=SECRET)


def url_of(receiver):
    host, port = receiver.server.server_address[:2]
    return f"http://{host}:{port}/ml-connector/events?token=kept-out-of-logs"


def test_a_failure_is_posted_signed(integration, rippling, owner, tenant_a, receiver, run_and_notify):
    hook_to(tenant_a, url_of(receiver))
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    result = run_and_notify(integration)

    assert len(receiver.received) == 1 and len(mail.outbox) == 1
    request = receiver.received[0]
    timestamp, signature = request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert signature == f"v1={expected}"
    assert abs(time.time() - int(timestamp)) < 60
    assert signature_verify(secret=SECRET, body=request.body, timestamp=timestamp, signature=signature)
    event = json.loads(request.body)
    assert event["event"] == "run_failed" and event["tenant"] == "tenant-a" and event["run_id"] == result.pk
    assert event["said"] == "Rippling answered 401: Invalid token."
    assert event["advice"].startswith("Create a new API key in Rippling")
    assert request.headers["X-MLConnector-Delivery"] == str(event["id"])
    logged = Notification.objects.get()
    assert logged.status == Notification.Status.SENT and logged.webhook_result.startswith("200 from 127.0.0.1:")
    assert "kept-out-of-logs" not in logged.webhook_result


def test_a_receiver_refuses_a_tampered_or_replayed_request(integration, rippling, owner, tenant_a, receiver,
                                                          run_and_notify):
    hook_to(tenant_a, url_of(receiver))
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()
    run_and_notify(integration)
    request = receiver.received[0]
    timestamp, signature = request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]

    tampered = request.body.replace(b"run_failed", b"recovered")
    assert not signature_verify(secret=SECRET, body=tampered, timestamp=timestamp, signature=signature)
    assert not signature_verify(secret=SECRET, body=request.body, timestamp=str(int(timestamp) + 1),
                                signature=signature)
    assert not signature_verify(secret=SECRET, body=request.body, timestamp=timestamp, signature=signature,
                                now=int(timestamp) + 301)  # replayed six minutes later
    assert not signature_verify(secret="another-secret-entirely", body=request.body, timestamp=timestamp,
                                signature=signature)


def test_a_webhook_that_is_down_does_not_break_the_run(integration, rippling, owner, tenant_a, run_and_notify):
    hook_to(tenant_a, f"http://127.0.0.1:{closed_port()}/hook")
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    result = run_and_notify(integration)

    assert result.status == SyncRun.Status.FAILED and "Invalid token" in result.error  # the run's own outcome
    assert len(mail.outbox) == 1  # e-mail still went out
    logged = Notification.objects.get()
    assert logged.status == Notification.Status.SENT
    assert logged.webhook_result.startswith("could not reach 127.0.0.1:")


def test_a_webhook_that_hangs_times_out(integration, rippling, owner, tenant_a, run_and_notify, settings):
    settings.NOTIFICATION_WEBHOOK_TIMEOUT = 0.3
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        hook_to(tenant_a, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        map_departments(integration, rippling)
        rippling.tokens.revoke_all()
        started = time.monotonic()

        run_and_notify(integration)

    assert time.monotonic() - started < 5
    assert Notification.objects.get().webhook_result.startswith("no answer from 127.0.0.1:")


def test_an_undelivered_webhook_gives_the_window_back(integration, rippling, owner, tenant_a, receiver,
                                                      run_and_notify):
    hook_to(tenant_a, url_of(receiver), email=False)
    receiver.statuses = [500]  # the receiver fails once, then works
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    run_and_notify(integration)
    run_and_notify(integration)

    first, second = Notification.objects.order_by("id")
    assert (first.status, first.webhook_result[:8]) == (Notification.Status.FAILED, "500 from")
    assert second.status == Notification.Status.SENT and second.suppressed_count == 1
    assert json.loads(receiver.received[1].body)["suppressed_since_last"] == 1
    assert mail.outbox == []


def test_in_production_a_webhook_to_our_own_network_is_refused(integration, rippling, owner, tenant_a, receiver,
                                                                run_and_notify, settings):
    settings.NOTIFICATION_WEBHOOK_ALLOW_PRIVATE = False  # the production default
    hook_to(tenant_a, url_of(receiver))
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    run_and_notify(integration)

    assert receiver.received == []  # nothing left the building toward 127.0.0.1
    assert len(mail.outbox) == 1  # the e-mail still went out
    logged = Notification.objects.get()
    assert "refused" in logged.webhook_result and "non-public address 127.0.0.1" in logged.webhook_result


def test_a_public_address_is_not_mistaken_for_a_private_one():
    from mlconnector.netguard import non_public_address

    assert non_public_address("127.0.0.1") == "127.0.0.1"
    assert non_public_address("10.1.2.3") == "10.1.2.3"
    assert non_public_address("169.254.169.254") == "169.254.169.254"  # cloud metadata
    assert non_public_address("100.64.0.1") == "100.64.0.1"  # carrier-grade NAT
    assert non_public_address("fd00:ec2::254") == "fd00:ec2::254"  # AWS metadata over IPv6
    assert non_public_address("::ffff:127.0.0.1") == "::ffff:127.0.0.1"  # IPv4-mapped loopback
    assert non_public_address("93.184.215.14") is None
