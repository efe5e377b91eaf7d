"""Health that tells the truth, on the dashboard and the home page, from real connection tests and runs:
a broken credential first with its fix, paused is not healthy, a stuck run is said, the schedule with its
Pause / Resume button (through the schedules service), and another tenant's integration out of reach."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from changelog.models import ChangeLogEntry
from connections.models import Connection
from connections.services import connection_test
from syncs.models import Integration, PendingRecord, SyncRun
from syncs.services import integration_create, integration_update
from tests.admin.page import find, find_all, messages_of


def dashboard(integration, site="customer_admin"):
    return reverse(f"{site}:syncs_integration_dashboard", args=[integration.pk])


def switch(integration, action):
    return reverse(f"customer_admin:syncs_integration_{action}", args=[integration.pk])


def overview_row(page, integration):
    return next(r for r in find_all(page, data_test="overview-row") if r["data-integration-id"] == str(integration.pk))


def failed_test(connection):
    """A real test against the sandbox, refused for the wrong credential."""
    assert not connection_test(connection=connection).ok
    connection.refresh_from_db()
    assert connection.status == Connection.Status.FAILED and connection.last_error
    return connection


@pytest.fixture
def broken_monday(make_sandbox_connection, tenant_a):
    return failed_test(make_sandbox_connection("monday", tenant=tenant_a, name="Boards",
                                               credentials={"api_token": "not-a-token"}))


@pytest.fixture
def draft_on_broken_source(tenant_a, make_sandbox_connection, rippling, visma):
    """A draft (never enabled, never run) integration whose source failed its test."""
    source = failed_test(make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling",
                                                 credentials={"api_key": "revoked"}))
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    return integration_create(tenant=tenant_a, name="Draft HR → ERP", flow_kind="rippling_visma", source=source,
                              destination=destination)


def test_a_draft_on_a_connection_that_failed_its_test_is_broken_and_says_how_to_fix_it(
        client, owner, draft_on_broken_source):
    client.force_login(owner)
    page = client.get(dashboard(draft_on_broken_source))

    badge = find(page, data_test="health-badge")
    assert badge["data-health"] == "broken" and badge.text == "Rippling connection failing"
    problems = find_all(page, data_test="health-problem")
    assert [p["data-kind"] for p in problems] == ["broken_connection", "untested_connection", "paused"]
    assert draft_on_broken_source.source.last_error in problems[0].text
    reconnect = find(page, data_test="reconnect")
    assert reconnect["href"] == reverse("customer_admin:connections_connection_change",
                                        args=[draft_on_broken_source.source_id])
    assert find(page, data_test="test-again")


def test_test_again_returns_to_the_dashboard_with_the_vendors_answer(client, owner, draft_on_broken_source):
    client.force_login(owner)
    back = dashboard(draft_on_broken_source)
    response = client.post(reverse("customer_admin:connections_connection_test",
                                   args=[draft_on_broken_source.source_id]), {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert "Rippling" in messages_of(response)[0]
    # Elsewhere is not a place to send people to after a test.
    away = client.post(reverse("customer_admin:connections_connection_test", args=[draft_on_broken_source.source_id]),
                       {"next": "https://evil.example/"})
    assert away["Location"] == reverse("customer_admin:connections_connection_change",
                                       args=[draft_on_broken_source.source_id])


def test_the_home_page_lists_a_failing_connection_first_even_unused(client, owner, member, broken_monday):
    client.force_login(owner)
    page = client.get(reverse("customer_admin:index"))
    listed = find(page, data_test="failing-connection")
    assert listed["data-connection-id"] == str(broken_monday.pk)
    assert "monday.com · Boards" in listed.text and broken_monday.last_error in listed.text
    assert find(page, data_test="reconnect") and find(page, data_test="test-again")
    html = page.content.decode()
    assert html.index('data-test="failing-connections"') < html.index('data-test="integration-overview"')

    client.force_login(member)  # a viewer is told, without buttons that would refuse them
    page = client.get(reverse("customer_admin:index"))
    assert find(page, data_test="failing-connection") and not find_all(page, data_test="test-again")


def test_another_tenants_failing_connection_is_not_shown(client, outsider, broken_monday):
    client.force_login(outsider)
    page = client.get(reverse("customer_admin:index"))
    assert not find_all(page, data_test="failing-connection") and "Boards" not in page.content.decode()


def test_a_disabled_integration_reads_paused_on_the_home_page(client, owner, synced):
    client.force_login(owner)
    PendingRecord.objects.filter(integration=synced.integration).update(status=PendingRecord.Status.RESOLVED)
    row = overview_row(client.get(reverse("customer_admin:index")), synced.integration)
    assert row["data-health"] == "paused" and "Healthy" not in row.text and "Schedule off" not in row.text
    assert "Paused: no scheduled runs" in row.text


def test_a_stuck_run_is_never_beside_a_healthy_badge(client, owner, synced, settings):
    client.force_login(owner)
    PendingRecord.objects.filter(integration=synced.integration).update(status=PendingRecord.Status.RESOLVED)
    Integration.objects.filter(pk=synced.integration.pk).update(enabled=True)
    stuck = SyncRun.objects.create(tenant=synced.integration.tenant, integration=synced.integration, number=2,
                                   status=SyncRun.Status.RUNNING, started_at=timezone.now() - timedelta(minutes=30),
                                   heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_ABANDON_AFTER_SECONDS
                                                                            + 120))
    page = client.get(dashboard(synced.integration))
    assert find(page, data_test="health-badge")["data-health"] == "stuck"
    assert "Run #2 has sent no sign of life" in find(page, data_test="health-problem").text
    assert overview_row(client.get(reverse("customer_admin:index")), synced.integration)["data-health"] == "stuck"

    SyncRun.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now())  # its worker beats again
    assert find(client.get(dashboard(synced.integration)), data_test="health-badge")["data-health"] == "healthy"


def test_the_dashboard_shows_the_next_scheduled_run(client, owner, synced):
    client.force_login(owner)
    integration_update(integration=synced.integration, enabled=True, every_minutes=60)
    schedule = find(client.get(dashboard(synced.integration)), data_test="health-schedule")
    assert schedule["data-enabled"] == "true"
    upcoming = timezone.datetime.fromisoformat(schedule["data-next"])
    assert timedelta(minutes=55) < upcoming - timezone.now() <= timedelta(minutes=60)
    assert "Next run" in schedule.text and find(client.get(dashboard(synced.integration)), data_test="pause")


def test_pause_and_resume_go_through_the_schedule(client, owner, synced):
    client.force_login(owner)
    integration_update(integration=synced.integration, enabled=True, every_minutes=30)

    response = client.post(switch(synced.integration, "pause"), follow=True)
    synced.integration.refresh_from_db()
    assert not synced.integration.enabled and not synced.integration.periodic_task.enabled
    assert "paused" in messages_of(response)[0]
    assert find(response, data_test="health-schedule")["data-next"] == ""
    assert ChangeLogEntry.objects.filter(object_type="integration", object_id=synced.integration.pk, action="updated",
                                         changes__has_key="enabled").exists()

    client.post(switch(synced.integration, "resume"))
    synced.integration.refresh_from_db()
    assert synced.integration.enabled and synced.integration.periodic_task.enabled


def test_a_viewer_may_not_pause(client, member, synced):
    integration_update(integration=synced.integration, enabled=True)
    client.force_login(member)
    assert not find_all(client.get(dashboard(synced.integration)), data_test="pause")
    assert client.post(switch(synced.integration, "pause")).status_code == 403
    synced.integration.refresh_from_db()
    assert synced.integration.enabled


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_an_outsider_cannot_pause_or_resume(client, outsider, synced, action):
    client.force_login(outsider)
    assert client.post(switch(synced.integration, action)).status_code == 404
    assert client.get(dashboard(synced.integration)).status_code == 404


def test_pausing_needs_a_post(client, owner, synced):
    client.force_login(owner)
    assert client.get(switch(synced.integration, "pause")).status_code == 403
