"""The health states in Chromium, on the home page and the dashboard: a connection that failed its (real)
test is listed first and fixed in place (Reconnect, then Test again), a draft on it is not Healthy, a
paused integration reads Paused and is resumed and paused again with its buttons, and a run whose worker
went silent is shown stuck, never beside a Healthy badge."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.services import connection_test
from sandbox.vendors.rippling.contract import DEMO_API_KEY
from syncs.models import Integration, SyncRun
from syncs.services import integration_create
from tests.browser.a11y import overflows
from tests.browser.support import login

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def finished_run(integration, number=1, **fields):
    now = timezone.now()
    return SyncRun.objects.create(tenant=integration.tenant, integration=integration, number=number,
                                  status=SyncRun.Status.SUCCEEDED, trigger=SyncRun.Trigger.SCHEDULE, read=4,
                                  created=4, started_at=now - timedelta(minutes=10),
                                  finished_at=now - timedelta(minutes=9), **fields)


@pytest.fixture
def states(tenant_a, owner, make_sandbox_connection, rippling, visma):
    rippling_ok = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling")
    visma_ok = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    revoked = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling (old key)",
                                      credentials={"api_key": "revoked-key"})
    boards = make_sandbox_connection("monday", tenant=tenant_a, name="Boards", credentials={"api_token": "wrong"})
    for connection in (rippling_ok, visma_ok, revoked, boards):
        connection_test(connection=connection)  # real tests against the sandboxes
    make = lambda name, source, **kw: integration_create(  # noqa: E731
        tenant=tenant_a, name=name, flow_kind="rippling_visma", source=source, destination=visma_ok, **kw)
    healthy = make("Healthy sync", rippling_ok, enabled=True, every_minutes=60)
    finished_run(healthy)
    paused = make("Paused sync", rippling_ok, every_minutes=60)
    finished_run(paused)
    stuck = make("Stuck sync", rippling_ok, enabled=True, every_minutes=60)
    finished_run(stuck)
    # Its worker died mid-run: the heartbeat stopped well past the window the reaper waits for.
    silent_since = timezone.now() - timedelta(seconds=600)
    SyncRun.objects.create(tenant=tenant_a, integration=stuck, number=2, status=SyncRun.Status.RUNNING,
                           started_at=silent_since - timedelta(minutes=5), heartbeat_at=silent_since)
    draft = make("Draft on the old key", revoked)
    return {"healthy": healthy, "paused": paused, "stuck": stuck, "draft": draft, "revoked": revoked,
            "boards": boards}


def row(page, integration):
    return page.locator(f"tr[data-test=overview-row][data-integration-id='{integration.pk}']")


def badge(page):
    return page.locator("#health [data-test=health-badge]")


def test_the_home_page_and_dashboards_tell_each_state(page, states, screenshot):
    login(page, username="owner", password=PASSWORD)
    assert page.locator("[data-test=time-zone-note]").inner_text() == "Times in Europe/Oslo, 24-hour"

    failing = page.locator("[data-test=failing-connection]")
    assert failing.count() == 2
    assert "monday.com · Boards" in failing.nth(0).inner_text()  # unused by any integration, still listed
    assert "Rippling · Rippling (old key)" in failing.nth(1).inner_text()
    assert page.locator("#failing-connections").bounding_box()["y"] < \
        page.locator("#integration-overview").bounding_box()["y"]
    expected = {"healthy": "healthy", "paused": "paused", "stuck": "stuck", "draft": "broken"}
    for key, health in expected.items():
        assert row(page, states[key]).get_attribute("data-health") == health, key
    assert "Healthy" not in row(page, states["paused"]).inner_text()
    assert "Schedule off" not in page.locator("#integration-overview").inner_text()
    # A long problem sentence wraps in its cell: the page does not scroll sideways, names stay on a line.
    assert not overflows(page), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    for key in expected:
        name = row(page, states[key]).locator("[data-test=dashboard-link]")
        line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20", name.element_handle())
        assert name.bounding_box()["height"] <= 2 * line + 1, f"{key}: the name wraps letter by letter"
    screenshot(page, "health home")

    # The stuck run's dashboard: said, and no Healthy anywhere near it.
    row(page, states["stuck"]).locator("[data-test=dashboard-link]").click()
    assert badge(page).get_attribute("data-health") == "stuck"
    assert "Run #2 has sent no sign of life" in page.locator("[data-test=health-problem]").first.inner_text()
    assert "Healthy" not in page.locator("#health").inner_text()

    # The draft on the revoked key: broken first, with its fix; a test again still fails…
    page.goto("/admin/")
    row(page, states["draft"]).locator("[data-test=dashboard-link]").click()
    assert badge(page).inner_text() == "Rippling connection failing"
    assert page.locator("[data-test=health-problem]").first.get_attribute("data-kind") == "broken_connection"
    screenshot(page, "health broken connection")
    page.click("[data-test=test-again]")
    page.wait_for_selector(".messagelist .error")
    assert re.search(r"/dashboard/$", page.url)
    assert badge(page).get_attribute("data-health") == "broken"

    # …until the key is corrected (Reconnect), and then it passes from the same button.
    page.click("[data-test=reconnect]")
    page.fill("#id_cred_api_key", DEMO_API_KEY)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    page.goto(f"/admin/syncs/integration/{states['draft'].pk}/dashboard/")
    assert badge(page).inner_text() == "Connection not tested"  # a new key is not yet known to work
    page.click("[data-test=test-now]")
    page.wait_for_selector(".messagelist .success")
    assert badge(page).get_attribute("data-health") != "broken"
    assert page.locator("[data-test=health-problem][data-kind=broken_connection]").count() == 0


def test_a_paused_integration_is_resumed_and_paused_from_its_dashboard(page, states):
    login(page, username="owner", password=PASSWORD)
    page.goto(f"/admin/syncs/integration/{states['paused'].pk}/dashboard/")
    assert badge(page).inner_text() == "Paused"
    schedule = page.locator("[data-test=health-schedule]")
    assert "Paused: no scheduled runs" in schedule.inner_text()

    page.click("[data-test=resume]")
    page.wait_for_selector(".messagelist .success")
    assert badge(page).get_attribute("data-health") == "healthy"
    assert "Next run" in schedule.inner_text() and schedule.get_attribute("data-next")
    assert Integration.objects.get(pk=states["paused"].pk).periodic_task.enabled

    page.click("[data-test=pause]")
    page.wait_for_selector(".messagelist .success")
    assert badge(page).inner_text() == "Paused"
    assert not Integration.objects.get(pk=states["paused"].pk).periodic_task.enabled
