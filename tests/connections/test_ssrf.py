"""SSRF through vendor URLs: a tenant's base URL or token URL must not make our servers call our own network.

A local server on 127.0.0.1 stands for an internal service; it answers with a fake secret. With the
production defaults (no sandbox) it must receive nothing, and nothing of its body may come back."""
import os
import subprocess
import sys
import time

import pytest

from connections.models import Connection
from connections.services import connection_test
from tests.factories import ConnectionFactory
from tests.support.bait_server import SECRET, BaitServer, SilentPort, closed_port_url


@pytest.fixture
def production(settings):
    settings.SANDBOX_HOSTS_ALLOWED = False  # the production default (checked below)
    return settings


@pytest.fixture
def bait():
    server = BaitServer()
    yield server
    server.stop()


def rippling_at(tenant, base_url) -> Connection:
    # Stored directly, as a URL saved before the rules (or a DNS change after saving) would be.
    return ConnectionFactory(tenant=tenant, kind="rippling", name="Rippling", base_url=base_url,
                             credentials={"api_key": "live-api-key-123"})


def test_production_turns_the_sandbox_hosts_off(tmp_path):
    env = {**os.environ, "DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path),
           "FIELD_ENCRYPTION_KEYS": "Q0JjxA3YFHbKGl2YqU7QhrDrbbH1nEx1Xe7CHJ_2ATU=",
           "DJANGO_SETTINGS_MODULE": "mlconnector.settings"}
    env.pop("SANDBOX_HOSTS_ALLOWED", None)
    env.pop("NOTIFICATION_WEBHOOK_ALLOW_PRIVATE", None)
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; "
                          "print(settings.SANDBOX_HOSTS_ALLOWED, settings.NOTIFICATION_WEBHOOK_ALLOW_PRIVATE)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_base_url_on_our_own_network_is_never_called(production, bait, tenant_a):
    result = connection_test(connection=rippling_at(tenant_a, bait.url))

    assert not result.ok
    assert "not called" in result.message and "sandbox is not enabled" in result.message
    assert bait.seen == []
    assert "INTERNAL-ONLY" not in result.message and "hunter2" not in result.message


def test_a_token_url_on_our_own_network_gets_no_client_secret(production, bait, tenant_a):
    visma = ConnectionFactory(tenant=tenant_a, kind="visma", config={"token_url": f"{bait.url}/connect/token"},
                              credentials={"client_id": "isv_x", "client_secret": "live-secret-xyz", "tenant_id": "t"})

    result = connection_test(connection=visma)

    assert not result.ok and bait.seen == []
    assert "db_url" not in result.message and "postgres://" not in result.message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                                 "http://100.64.0.1/", "http://10.0.0.5/", "http://[::ffff:127.0.0.1]:9/"])
def test_metadata_private_and_cgnat_addresses_are_refused(production, tenant_a, url):
    started = time.monotonic()
    result = connection_test(connection=rippling_at(tenant_a, url))

    assert not result.ok and "not called" in result.message
    assert time.monotonic() - started < 1  # refused before any connection attempt


def test_a_closed_and_an_open_port_answer_the_same(production, bait, tenant_a):
    open_port = connection_test(connection=rippling_at(tenant_a, bait.url))
    closed = connection_test(connection=ConnectionFactory(tenant=tenant_a, kind="rippling", base_url=closed_port_url(),
                                                          credentials={"api_key": "k"}))

    assert open_port.message == closed.message
    assert bait.seen == []


def test_a_vendor_host_resolving_to_our_network_is_refused_at_call_time(production, bait, tenant_a, monkeypatch):
    # DNS rebinding: the name was fine when saved, and now answers 127.0.0.1. DNS is the one thing faked.
    import socket

    real = socket.getaddrinfo

    def rebound(host, port, *args, **kwargs):
        if host == "rest.ripplingapis.com":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    result = connection_test(connection=rippling_at(tenant_a, f"http://rest.ripplingapis.com:{bait.port}"))

    assert not result.ok and "resolves to the non-public address 127.0.0.1" in result.message
    assert bait.seen == []


def test_a_host_outside_the_vendors_domains_is_refused_without_resolving_it(production, tenant_a, monkeypatch):
    import socket

    looked_up = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: looked_up.append(host) or [])
    result = connection_test(connection=rippling_at(tenant_a, "https://attacker.example.com"))

    assert not result.ok and "is not a Rippling host" in result.message
    assert looked_up == []


def test_with_the_sandbox_enabled_a_hanging_port_returns_within_the_short_timeout(settings, tenant_a):
    settings.SANDBOX_HOSTS_ALLOWED = True
    settings.CONNECTION_TEST_CONNECT_TIMEOUT = settings.CONNECTION_TEST_READ_TIMEOUT = 1.0
    silent = SilentPort()
    try:
        started = time.monotonic()
        result = connection_test(connection=rippling_at(tenant_a, silent.url))
        elapsed = time.monotonic() - started
    finally:
        silent.stop()

    assert not result.ok and "did not answer" in result.message
    assert elapsed < 2.5  # the whole test, retries included, fits in connect + read timeout


def test_with_the_sandbox_enabled_only_the_vendors_message_fields_are_echoed_and_bounded(settings, tenant_a):
    settings.SANDBOX_HOSTS_ALLOWED = True
    html = BaitServer(status=404)
    chatty = BaitServer(status=400, body={"message": "x" * 1000 + SECRET, "debug": SECRET})
    try:
        from_html = connection_test(connection=rippling_at(tenant_a, html.url))
        from_json = connection_test(connection=ConnectionFactory(tenant=tenant_a, kind="rippling",
                                                                 base_url=chatty.url, credentials={"api_key": "k"}))
    finally:
        html.stop()
        chatty.stop()

    assert html.seen  # it was called: the sandbox switch lets loopback through
    assert from_html.message.startswith("Rippling answered 404.") and "INTERNAL" not in from_html.message
    assert "hunter2" not in from_json.message and "x" * 201 not in from_json.message


def test_a_redirect_to_another_host_is_not_followed(settings, tenant_a):
    settings.SANDBOX_HOSTS_ALLOWED = True
    elsewhere = BaitServer(status=200, body={"results": [], "next_link": None})
    redirector = BaitServer(status=302, body="", headers={"Location": f"{elsewhere.url}/workers/"})
    try:
        result = connection_test(connection=rippling_at(tenant_a, redirector.url))
    finally:
        redirector.stop()
        elsewhere.stop()

    assert not result.ok and "redirected the request to another host" in result.message
    assert redirector.seen and elsewhere.seen == []
