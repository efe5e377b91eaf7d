"""Inbound events in the customer admin: read-only, tenant-scoped, replayable by managers; the intake URL."""
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import InboundEvent, SyncRun, ValueMapping
from tests.admin.page import messages_of

CHANGELIST = "customer_admin:syncs_inboundevent_changelist"


@pytest.fixture
def event(client, integration, rippling, eager_tasks, django_capture_on_commit_callbacks):
    """One Rippling notification, processed: its worker is a Visma employee now."""
    integration.enabled = True
    integration.save()
    worker = sorted(rippling.data["workers"].rows.values(), key=lambda w: w["id"])[0]
    ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                source_value=worker["department_id"], target_value="IT")
    body = urlencode({"event_name": "employee.updated", "id": worker["id"], "company_id": "c-1"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inbound-hook", args=[integration.source.webhook_token]), body,
                    content_type="application/x-www-form-urlencoded")
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PROCESSED
    return event


def replay(client, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(CHANGELIST), {"action": "replay", "_selected_action": [event.pk]}, follow=True)


def test_an_owner_replays_an_event_and_it_runs_again_without_a_second_write(
        client, owner, event, visma, django_capture_on_commit_callbacks):
    client.force_login(owner)

    page = replay(client, event, django_capture_on_commit_callbacks)

    assert "1 event(s) queued again" in " ".join(messages_of(page))
    first, second = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).order_by("pk")
    assert (first.created, second.created, second.unchanged) == (1, 0, 1)  # the id map: no duplicate
    assert len(visma.data.tables["employees"].ordered()[0]) == 1
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PROCESSED and event.attempts == 2
    assert list(event.runs.order_by("pk")) == [first, second]


def test_the_event_page_is_read_only_and_shows_no_raw_body(client, owner, event):
    client.force_login(owner)

    page = client.get(reverse("customer_admin:syncs_inboundevent_change", args=[event.pk]))

    assert page.status_code == 200
    assert "c-1" not in page.content.decode()  # the company id is only in the (encrypted) raw body and payload
    assert b'name="_save"' not in page.content
    assert client.get(reverse("customer_admin:syncs_inboundevent_add")).status_code == 403


def test_a_viewer_sees_events_but_cannot_replay(client, member, event, django_capture_on_commit_callbacks):
    client.force_login(member)

    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == [event]
    replay(client, event, django_capture_on_commit_callbacks)

    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1


def test_an_outsider_neither_sees_nor_replays_another_tenants_events(client, outsider, event,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(outsider)

    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == []
    page = client.get(reverse("customer_admin:syncs_inboundevent_change", args=[event.pk]), follow=True)
    assert event.event_id not in page.content.decode()
    replay(client, event, django_capture_on_commit_callbacks)

    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1
    event.refresh_from_db()
    assert event.attempts == 1


def test_the_intake_url_is_shown_to_managers_only_and_can_be_replaced(client, owner, member, integration):
    source = integration.source
    change = reverse("customer_admin:connections_connection_change", args=[source.pk])
    client.force_login(member)
    assert source.webhook_token not in client.get(change).content.decode()

    client.force_login(owner)
    assert f"/hooks/{source.webhook_token}/" in client.get(change).content.decode()
    old = source.webhook_token
    page = client.post(reverse("customer_admin:connections_connection_changelist"),
                       {"action": "rotate_intake_urls", "_selected_action": [source.pk]}, follow=True)

    source.refresh_from_db()
    assert source.webhook_token != old and len(source.webhook_token) >= 43
    assert f"/hooks/{source.webhook_token}/" in " ".join(messages_of(page))
