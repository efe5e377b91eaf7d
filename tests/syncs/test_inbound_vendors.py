"""The intake with each vendor's proof of origin: Rippling (form-encoded, URL token only), Paychex (Basic auth or
API key we registered), monday.com (challenge, HS256 JWT), plus the intake's own limits."""
import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from connections.selectors import connection_webhook_url
from connections.services import connection_webhook_token_rotate
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import InboundEvent, SyncRun, ValueMapping
from tests.factories import ConnectionFactory

FORM = "application/x-www-form-urlencoded"


def url(connection):
    return reverse("inbound-hook", args=[connection.webhook_token])


def rippling_form(worker_id, event="employee.updated"):
    return urlencode({"event_name": event, "id": worker_id, "company_id": "595f75ffd2a5f80ae22ce88e",
                      "company_primary_email": "admin@example.com"})


# --- Rippling App Shop: notification-only, re-read, written to Visma -------------------------------------
def test_a_rippling_notification_updates_the_visma_employee_once(client, integration, rippling, visma, eager_tasks,
                                                                 django_capture_on_commit_callbacks):
    integration.enabled = True
    integration.save()
    worker = sorted(rippling.data["workers"].rows.values(), key=lambda w: w["id"])[0]
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                source_value=worker["department_id"], target_value="IT")

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(integration.source), rippling_form(worker["id"]), content_type=FORM)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url(integration.source), rippling_form(worker["id"]), content_type=FORM)

    assert (first.status_code, first.json()) == (200, {"stored": 1, "duplicates": 0, "ignored": 0})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1, "ignored": 0})
    event = InboundEvent.objects.get()
    assert (event.status, event.source_ids) == (InboundEvent.Status.PROCESSED, [worker["id"]])
    assert "company_primary_email" not in event.payload  # not needed, so not kept in the parsed event
    [run] = SyncRun.objects.filter(integration=integration)
    assert (run.trigger, run.created, run.failed, run.held) == (SyncRun.Trigger.WEBHOOK, 1, 0, 0)
    [employee] = visma.data.tables["employees"].ordered()[0]
    assert employee["contact"]["email"] == worker["work_email"]


def test_a_rippling_notification_of_a_worker_gone_from_rippling_writes_nothing(
        client, integration, visma, eager_tasks, django_capture_on_commit_callbacks):
    integration.enabled = True
    integration.save()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(integration.source), rippling_form("5ed540606c9a4e3e61c0d383", "employee.deleted"),
                    content_type=FORM)

    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED
    [run] = SyncRun.objects.filter(integration=integration)
    assert (run.status, run.read) == (SyncRun.Status.SUCCEEDED, 0)  # the 404 is left to the poll, not a failure
    assert visma.data.tables["employees"].ordered()[0] == []

def test_a_rippling_post_that_is_not_form_encoded_is_refused(client, integration):
    response = client.post(url(integration.source), {"event_name": "employee.updated"}, content_type="application/json")

    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


# --- Paychex: the caller proves itself with what we registered on the hook --------------------------------
def paychex_body(notification_id="31a271e5-b970-49e6-ac8f-d46f73c061af"):
    return json.dumps({"companyId": "00H2A1IUJXXCQWJ2GHGH", "workerId": "00H2A1IUJXXDIVTGGHGH",
                       "asOfDate": "2022-06-07T10:10:24.000+00:00", "domains": ["WRKR_DEM"], "action": "ADD",
                       "notificationType": "WORKER_MESSAGE", "notificationId": notification_id})


@pytest.fixture
def paychex(tenant_a):
    return ConnectionFactory(tenant=tenant_a, kind="paychex", name="Paychex", credentials={
        "client_id": "k", "client_secret": "s", "webhook_username": "paychex", "webhook_password": "old,new-pass",
        "webhook_api_key": "key-123"})


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.mark.parametrize("headers", [
    {"HTTP_AUTHORIZATION": basic("paychex", "new-pass")},
    {"HTTP_AUTHORIZATION": basic("paychex", "old")},  # both passwords work while the hook is re-registered
    {"HTTP_X_API_KEY": "key-123"},
    {"HTTP_AUTHORIZATION": "key-123"},
])
def test_paychex_is_let_in_with_what_we_registered(client, paychex, headers):
    response = client.post(url(paychex), paychex_body(), content_type="application/json", **headers)

    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert (event.event_id, event.type, event.source_ids) == (
        "31a271e5-b970-49e6-ac8f-d46f73c061af", "WORKER_MESSAGE", ["00H2A1IUJXXDIVTGGHGH"])


@pytest.mark.parametrize("headers", [
    {}, {"HTTP_AUTHORIZATION": basic("paychex", "wrong")}, {"HTTP_AUTHORIZATION": basic("someone", "new-pass")},
    {"HTTP_X_API_KEY": "key-12"}, {"HTTP_AUTHORIZATION": "Basic !!!"},
])
def test_paychex_with_the_wrong_auth_gets_401_and_nothing_is_stored(client, paychex, headers):
    response = client.post(url(paychex), paychex_body(), content_type="application/json", **headers)

    assert response.status_code == 401
    assert "paychex" not in response.content.decode()  # nothing about what was expected
    assert InboundEvent.objects.count() == 0


def test_a_paychex_notification_without_an_integration_is_ignored_with_the_reason(
        client, paychex, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(paychex), paychex_body(), content_type="application/json", HTTP_X_API_KEY="key-123")

    event = InboundEvent.objects.get()
    assert (event.status, event.attempts) == (InboundEvent.Status.IGNORED, 1)
    assert "No enabled integration" in event.error_message


# --- monday.com: challenge handshake, JWT when the app signs -------------------------------------------------
def jwt(claims, secret, alg="HS256"):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def monday_body(trigger="b5ed2e17c530446a98b25b8e6f0d6a1f", original=None):
    return json.dumps({"event": {"app": "monday", "type": "update_column_value", "boardId": 2924980809,
                                 "pulseId": 4277581981, "columnId": "status", "value": {"label": {"text": "Done"}},
                                 "triggerUuid": trigger, "originalTriggerUuid": original}})


@pytest.fixture
def monday(tenant_a):
    return ConnectionFactory(tenant=tenant_a, kind="monday", name="monday",
                             credentials={"api_token": "t", "signing_secret": "app-signing-secret"})


def test_the_monday_challenge_is_echoed_and_nothing_stored(client, monday):
    response = client.post(url(monday), json.dumps({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"}),
                           content_type="application/json")

    assert (response.status_code, response.json()) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"})
    assert InboundEvent.objects.count() == 0


def test_a_signed_monday_delivery_is_stored_and_its_retry_deduped(client, monday):
    token = jwt({"aud": connection_webhook_url(connection=monday), "exp": time.time() + 60, "accountId": 1}, "app-signing-secret")

    first = client.post(url(monday), monday_body(), content_type="application/json", HTTP_AUTHORIZATION=token)
    retry = client.post(url(monday), monday_body(trigger="0f0f", original="b5ed2e17c530446a98b25b8e6f0d6a1f"),
                        content_type="application/json", HTTP_AUTHORIZATION=token)

    assert first.json()["stored"] == 1 and retry.json()["duplicates"] == 1
    event = InboundEvent.objects.get()
    assert (event.type, event.source_ids) == ("update_column_value", ["4277581981"])


@pytest.mark.parametrize("make_token", [
    lambda aud: "",
    lambda aud: jwt({"aud": aud, "exp": time.time() + 60}, "another-secret"),
    lambda aud: jwt({"aud": aud, "exp": time.time() - 3600}, "app-signing-secret"),
    lambda aud: jwt({"aud": "https://elsewhere.example/hooks/x/", "exp": time.time() + 60}, "app-signing-secret"),
    lambda aud: jwt({"exp": time.time() + 60}, "app-signing-secret"),
    lambda aud: jwt({"aud": aud, "exp": time.time() + 60}, "app-signing-secret", alg="none"),
    lambda aud: "not.a.jwt",
], ids=["missing", "wrong-secret", "expired", "other-audience", "no-audience", "alg-none", "garbage"])
def test_a_monday_delivery_without_a_valid_jwt_gets_401(client, monday, make_token):
    response = client.post(url(monday), monday_body(), content_type="application/json",
                           HTTP_AUTHORIZATION=make_token(connection_webhook_url(connection=monday)))

    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


# --- the intake itself -------------------------------------------------------------------------------------------
def test_an_unknown_or_rotated_token_is_404(client, paychex):
    old = url(paychex)
    connection_webhook_token_rotate(connection=paychex)

    assert client.post(old, paychex_body(), content_type="application/json", HTTP_X_API_KEY="key-123").status_code == 404
    assert client.post("/hooks/nope/", "{}", content_type="application/json").status_code == 404
    assert client.post(url(paychex), paychex_body(), content_type="application/json",
                       HTTP_X_API_KEY="key-123").status_code == 200


def test_a_vendor_without_webhooks_has_no_intake(client, tenant_a):
    powerbi = ConnectionFactory(tenant=tenant_a, kind="powerbi", name="Power BI")

    assert client.post(url(powerbi), "{}", content_type="application/json").status_code == 404


def test_the_intake_needs_no_csrf_token_and_makes_no_session(paychex):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url(paychex), paychex_body(), content_type="application/json", HTTP_X_API_KEY="key-123")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert client.get(url(paychex)).status_code == 405


def test_an_oversized_body_is_refused_unread(client, paychex, settings):
    settings.INBOUND_EVENT_MAX_BYTES = 1000

    response = client.post(url(paychex), json.dumps({"pad": "x" * 1000}), content_type="application/json",
                           HTTP_X_API_KEY="key-123")

    assert response.status_code == 413
    assert InboundEvent.objects.count() == 0


def test_a_flood_is_answered_429_so_the_vendor_retries_later(client, paychex, settings):
    settings.INBOUND_EVENTS_PER_MINUTE = 2
    statuses = [client.post(url(paychex), paychex_body(f"n-{i}"), content_type="application/json",
                            HTTP_X_API_KEY="key-123").status_code for i in range(3)]

    assert statuses == [200, 200, 429]
    assert InboundEvent.objects.count() == 2


def test_events_belong_to_the_tenant_of_the_url(client, paychex, tenant_b):
    theirs = ConnectionFactory(tenant=tenant_b, kind="paychex", name="Paychex B", credentials={
        "client_id": "k", "client_secret": "s", "webhook_api_key": "key-b"})

    # Tenant B's key does not open tenant A's URL, and each URL files events under its own tenant only.
    assert client.post(url(paychex), paychex_body(), content_type="application/json",
                       HTTP_X_API_KEY="key-b").status_code == 401
    client.post(url(theirs), paychex_body(), content_type="application/json", HTTP_X_API_KEY="key-b")
    client.post(url(paychex), paychex_body(), content_type="application/json", HTTP_X_API_KEY="key-123")

    assert sorted(InboundEvent.objects.values_list("tenant__slug", "connection__name")) == [
        ("tenant-a", "Paychex"), ("tenant-b", "Paychex B")]


def test_a_signed_body_that_is_not_a_visma_notification_is_400(client, tenant_a):
    from connections.vendors.visma.webhooks import expected_signature

    visma = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma", credentials={
        "client_id": "c", "client_secret": "s", "tenant_id": "t", "webhook_secret": "key"})
    for body in (b"not json", b'{"no": "event"}'):
        response = client.post(url(visma), body, content_type="application/json",
                               HTTP_X_VWD_SIGNATURE_V1=expected_signature(body, "key"))
        assert response.status_code == 400, body
    assert InboundEvent.objects.count() == 0
