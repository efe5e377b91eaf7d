"""The customer admin's main pages in Chromium, after real runs against the sandboxes: axe-core finds no serious
or critical violation, the charts draw their data, the key columns stay in view at 1400 px, and at 390 px
nothing scrolls sideways and integration names read as words."""
from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from tests.admin.conftest import synced  # noqa: F401  (the fixture: created, failed and held records)
from tests.browser.a11y import axe_violations, hidden_columns, overflows
from tests.browser.support import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_runs(synced, rippling, sandbox):  # noqa: F811
    """A second (delta) run, so the charts have more than one point."""
    sandbox.app.clock.advance(60)
    rippling.update_worker(next(iter(rippling.data["workers"].rows)), title="Chief Navigator")
    sync_run_execute(run=sync_run_create(integration=synced.integration))
    return synced


def urls_of(synced) -> dict[str, str]:
    integration = synced.integration
    failed = AuditRecord.objects.filter(integration=integration, action=AuditRecord.Action.FAIL).first()
    return {
        "admin index": "/admin/",
        "dashboard": reverse("customer_admin:syncs_integration_dashboard", args=[integration.pk]),
        "dry run": reverse("customer_admin:syncs_integration_dry_run", args=[integration.pk]),
        "held and failed": reverse("customer_admin:syncs_pendingrecord_changelist") + f"?integration={integration.pk}",
        "audit list": reverse("customer_admin:audit_auditrecord_changelist") + f"?integration={integration.pk}",
        "record story": reverse("customer_admin:audit_auditrecord_story", args=[failed.pk]),
        "runs": reverse("customer_admin:syncs_syncrun_changelist"),
        "wizard start": reverse("customer_admin:wizard_start"),
    }


def test_the_main_pages_have_no_serious_accessibility_violations(chromium_browser, live_server, owner, two_runs,
                                                                 screenshot):
    context, page = signed_in(chromium_browser, live_server, width=1280)
    page.goto(urls_of(two_runs)["dry run"])
    page.check("#id_from_start")
    page.click("#run-dry-run")
    page.wait_for_selector("#dry-run-tables")
    found = {}
    for name, url in urls_of(two_runs).items():
        page.goto(url, wait_until="networkidle")
        found[name] = axe_violations(page)
    pending = two_runs.held[0]
    page.goto(reverse("customer_admin:syncs_valuemapping_add") + "?" + pending_fix_query(pending))
    page.wait_for_selector("select#id_target_value")
    found["mapping form"] = axe_violations(page)
    context.close()
    assert not any(found.values()), "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


@pytest.mark.parametrize("how", ["system setting", "theme toggle"])
def test_the_main_pages_have_no_serious_accessibility_violations_in_dark_mode(chromium_browser, live_server, owner,
                                                                             two_runs, screenshot, how):
    # Django's admin turns dark with the system's setting (prefers-color-scheme) or its own theme toggle.
    if how == "system setting":
        context, page = signed_in(chromium_browser, live_server, width=1280, color_scheme="dark")
    else:
        context, page = signed_in(chromium_browser, live_server, width=1280, color_scheme="light")
        page.evaluate("localStorage.setItem('theme', 'dark')")
    found = {}
    pending = two_runs.held[0]
    urls = {**urls_of(two_runs), "mapping form": reverse("customer_admin:syncs_valuemapping_add") + "?"
            + pending_fix_query(pending)}
    for name, url in urls.items():
        page.goto(url, wait_until="networkidle")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)", name
        found[name] = axe_violations(page)
    if how == "system setting":
        page.goto(urls["dashboard"], wait_until="networkidle")
        screenshot(page, "dashboard-dark")
    context.close()
    assert not any(found.values()), "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def pending_fix_query(pending) -> str:
    map_name, _, value = pending.missing_key.partition(":")
    return f"integration={pending.integration_id}&map_name={map_name}&source_value={value}"


def test_the_charts_draw_the_runs(chromium_browser, live_server, owner, two_runs, screenshot):
    context, page = signed_in(chromium_browser, live_server, width=1280)
    page.goto(urls_of(two_runs)["dashboard"])
    history = page.wait_for_selector("#run-history-chart[data-rendered=true]")
    assert history.get_attribute("data-points") == "2"
    assert page.locator("#run-history-chart canvas").count() >= 1
    assert "Created" in page.locator("#run-history-chart .u-legend").inner_text()
    page.wait_for_selector("#records-over-time-chart[data-rendered=true]")
    assert page.locator("#records-over-time-chart canvas").count() >= 1
    # The canvas has been drawn on: not every pixel is transparent.
    painted = page.evaluate("""() => {
        const c = document.querySelector('#run-history-chart canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
        return false; }""")
    assert painted
    screenshot(page, "dashboard-charts")
    page.goto("/admin/")
    spark = page.wait_for_selector(f"[data-test=overview-row][data-integration-id='{two_runs.integration.pk}'] "
                                   "[data-test=sparkline][data-rendered=true]")
    assert spark.query_selector("canvas") is not None
    context.close()


def legend_at_the_right_end(page, chart: str) -> str:
    """The x value uPlot's legend shows with the cursor on the newest point of `chart`."""
    over = page.locator(f"{chart} .u-over")
    box = over.bounding_box()
    over.hover(position={"x": box["width"] - 2, "y": box["height"] / 2})
    return page.locator(f"{chart} .u-legend .u-series").first.locator(".u-value").inner_text()


def test_the_charts_read_in_the_tenants_time_and_run_numbers(chromium_browser, live_server, owner, two_runs):
    # A browser far west of the tenant (Europe/Oslo): its own clock would put every day a day early.
    context, page = signed_in(chromium_browser, live_server, width=1280, timezone_id="America/Los_Angeles")
    page.goto(urls_of(two_runs)["dashboard"])
    history = page.wait_for_selector("#run-history-chart[data-rendered=true]")
    runs = list(two_runs.integration.runs.filter(dry_run=False).order_by("finished_at"))
    assert history.get_attribute("data-x-labels") == "|".join(f"#{r.number}" for r in runs)
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")
    newest = runs[-1]
    assert legend_at_the_right_end(page, "#run-history-chart") \
        == f"#{newest.number} · {newest.finished_at.astimezone(oslo):%d %b %H:%M}"
    page.wait_for_selector("#records-over-time-chart[data-rendered=true]")
    today = timezone.now().astimezone(oslo)
    assert legend_at_the_right_end(page, "#records-over-time-chart") == f"{today:%d %b}"
    days = {f"{today - timedelta(days=n):%d %b}" for n in range(30)}
    labels = page.get_attribute("#records-over-time-chart", "data-x-labels").split("|")
    assert labels and set(labels) <= days and labels[-1] == f"{today:%d %b}", labels  # today is always labelled
    context.close()


def test_key_columns_stay_in_view_at_1400_px(chromium_browser, live_server, owner, two_runs):
    context, page = signed_in(chromium_browser, live_server, width=1400)
    urls = urls_of(two_runs)
    # The record and run columns are named in customer words ("Record" by name, "Run" by its per-integration number).
    checks = [("held and failed", "#result_list", ["Record", "Status", "Reason", "What to do"]),
              ("audit list", "#result_list", ["Created", "Record", "Outcome", "Reason"]),
              ("runs", "#result_list", ["Run", "Status", "Finished", "Duration"]),
              ("dashboard", "#run-history", ["Run", "Status", "Finished", "Duration"])]
    hidden = {}
    for name, table, columns in checks:
        page.goto(urls[name])
        page.wait_for_selector(table)
        hidden[name] = hidden_columns(page, table, columns)
    context.close()
    assert not any(hidden.values()), hidden


def test_at_390_px_nothing_scrolls_sideways_and_names_are_words(chromium_browser, live_server, owner, two_runs,
                                                               screenshot):
    context, page = signed_in(chromium_browser, live_server, width=390, height=844)
    wide = {}
    for name in ("admin index", "dashboard", "held and failed", "record story"):
        page.goto(urls_of(two_runs)[name], wait_until="networkidle")
        if overflows(page):
            wide[name] = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.goto("/admin/")
    name = page.locator(f"[data-test=overview-row][data-integration-id='{two_runs.integration.pk}'] "
                        "[data-test=dashboard-link]")
    box = name.bounding_box()
    line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20", name.element_handle())
    screenshot(page, "phone-home")
    context.close()
    assert not wide, f"pages wider than the phone (scrollWidth, innerWidth): {wide}"
    assert box["height"] <= 2 * line + 1, f"the integration's name wraps onto {box['height'] / line:.0f} lines"
