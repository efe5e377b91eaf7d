"""A customer's first day, in real Chromium against the sandboxes and a real worker:

sign up → set up Rippling → Visma in the wizard (test connections, map departments from live values,
preview) → the first run holds the employees of an unmapped department → the missing mapping is created from a
picklist of Visma's departments (a value Visma lacks is refused on save), which releases them → correcting the
mapping offers to re-apply it, the dashboard's dry run shows each employee's department before → after (read
from Visma), and re-applying writes exactly those records, once each. Screenshots of every main page go to docs/screenshots
when run with `make screenshots`.
"""
from __future__ import annotations

import pytest

from demo.setup import sandbox_connection_fields
from sandbox.vendors.rippling import DEPARTMENTS
from syncs.models import IdMap, Integration, PendingRecord, SyncRun, ValueMapping
from tests.browser.a11y import axe_violations
from tests.browser.support import login, signup_and_verify
from tests.support.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DEPARTMENT_MAP = "department_to_cost_center"


def fill_connection(page, kind: str, sandbox_url: str, name: str) -> None:
    fields = sandbox_connection_fields(kind, sandbox_url)
    page.fill("#id_name", name)
    page.click("[data-test=advanced-settings] summary")  # the sandbox's addresses are vendor plumbing, folded
    page.fill("#id_base_url", fields["base_url"])
    for key, value in {**{f"cred_{k}": v for k, v in fields["credentials"].items()},
                       **{f"cfg_{k}": v for k, v in fields["config"].items()}}.items():
        page.fill(f"#id_{key}", str(value))
    page.click("#wizard-test-connection")
    page.wait_for_selector("#wizard-test-result[data-ok=true]")


def department_row(page, key: str):
    return page.locator(f"table[data-test=value-map][data-map={DEPARTMENT_MAP}] "
                        f"tr[data-source-value='{DEPARTMENTS[key]}']")


def latest_run(integration, **filters) -> SyncRun | None:
    return SyncRun.objects.filter(integration=integration, dry_run=False, **filters).order_by("-pk").first()


def visma_employee_count_of(integration, visma) -> dict[str, int]:
    """Visma employees per source worker (through the id map): any value above 1 is a duplicate."""
    targets = dict(IdMap.objects.filter(integration=integration, stream="employees").values_list("target_id",
                                                                                                  "source_id"))
    counts: dict[str, int] = {}
    for employee in visma.data.tables["employees"].ordered()[0]:
        source = targets.get(str(employee["employeeId"]), targets.get(str(employee.get("employeeNumber"))))
        key = source or f"unknown:{employee.get('employeeNumber')}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_from_signup_to_a_running_integration_with_held_and_failed_records_fixed(
        page, live_server, sandbox, visma, worker_queue, screenshot):
    rippling = sandbox.app["rippling"]
    signup_and_verify(live_server.url, username="ingrid", company="Acme AS")
    login(page, username="ingrid")

    # --- the wizard ---------------------------------------------------------------------------------------
    page.click("a#wizard-start-link")
    page.fill("#id_name", "HR → ERP")
    page.check("input[name=flow_kind][value=rippling_visma]")
    screenshot(page, "wizard-1-start")
    violations = {"start": axe_violations(page)}
    page.click("#wizard-start-submit")

    fill_connection(page, "rippling", sandbox.url, "Rippling")
    screenshot(page, "wizard-2-test-connection")
    violations["source"] = axe_violations(page)
    page.click("#wizard-next")
    fill_connection(page, "visma", sandbox.url, "Visma.net")
    page.click("#wizard-next")

    page.wait_for_selector("#wizard[data-step=streams]")
    violations["streams"] = axe_violations(page)
    page.check("input[name=streams][value=departments]")
    page.check("input[name=streams][value=employees]")
    page.click("#wizard-next")

    # The mapping page offers Rippling's and Visma's real departments; Platform is left unmapped.
    page.wait_for_selector("#wizard[data-step=mappings]")
    for key in DEPARTMENTS:
        assert department_row(page, key).count() == 1, f"Rippling department {key} not offered"
    department_row(page, "engineering").locator("select[data-test=value-map-target]").select_option("IT")
    department_row(page, "people").locator("select[data-test=value-map-target]").select_option("HR")
    screenshot(page, "wizard-3-mappings")
    violations["mappings"] = axe_violations(page)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('#wizard-mappings-form select, '
        + '#wizard-mappings-form input:not([type=hidden]):not([type=submit])')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unlabelled == []
    page.click("#wizard-next")

    page.wait_for_selector("#wizard[data-step=schedule]")
    violations["schedule"] = axe_violations(page)
    page.fill("#id_every_minutes", "30")
    page.click("#wizard-next")

    page.wait_for_selector("#wizard[data-step=preview]")
    page.fill("#id_limit", "20")
    page.click("#wizard-run-preview")
    page.wait_for_selector("#wizard-preview-table")
    holds = page.locator("#wizard-preview-table tr[data-test=preview-row][data-action=hold]")
    assert holds.count() >= 1
    assert "Platform" in holds.first.locator("[data-test=preview-reason]").inner_text()
    assert page.locator("#wizard-preview-table tr[data-test=preview-row][data-action=create]").count() >= 1
    assert not [e for e in sandbox.app.log.filter(vendor="visma", writes_only=True) if "/connect/" not in e.path]
    screenshot(page, "wizard-4-dry-run-preview")
    violations["preview"] = axe_violations(page)
    assert page.locator("#wizard-steps li[aria-current=step]").get_attribute("data-step") == "preview"
    page.click("#wizard-next")
    page.wait_for_selector("#wizard[data-step=enable]")
    violations["enable"] = axe_violations(page)
    assert not any(violations.values()), "\n".join(f"{step}: {line}" for step, lines in violations.items()
                                                    for line in lines)
    page.click("#wizard-enable")

    # --- the first run, on the worker ----------------------------------------------------------------------
    integration = Integration.objects.get(name="HR → ERP")
    assert integration.enabled
    first = wait_for(lambda: latest_run(integration, status__in=["succeeded", "partial", "failed"]),
                     timeout=90, message="the first run to finish on the worker")
    assert first.status == "partial", (first.status, first.error)
    # Platform's employees, and Platform itself in the departments stream, wait for the mapping.
    held = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD)
    assert {p.missing_key for p in held} == {f"{DEPARTMENT_MAP}:{DEPARTMENTS['platform']}"}
    held = held.filter(stream="employees")
    platform_workers = held.count()
    assert platform_workers >= 1

    page.goto(f"/admin/syncs/integration/{integration.pk}/dashboard/")
    page.wait_for_selector(f"[data-test=run-row][data-run-id='{first.pk}']")
    assert page.locator("#health-held").get_attribute("data-value") == str(platform_workers + 1)
    screenshot(page, "dashboard")

    # --- held → create the missing mapping from the picklist: a value Visma lacks is refused, a real one saved ---
    page.click("[data-test=pending-link]")
    screenshot(page, "held-records")
    page.locator("[data-test=create-missing-mapping]").first.click()
    page.wait_for_selector("select#id_target_value")
    assert "Platform at the source" in page.locator(".field-source_value").inner_text()  # its name, not its id
    offered = page.locator("select#id_target_value option").evaluate_all("options => options.map(o => o.value)")
    assert {"IT", "HR", "OPS"} <= set(offered)
    # A value typed past the picklist (an old bookmark, a crafted form) is refused on save, with a message.
    page.evaluate("""() => { const s = document.querySelector('#id_target_value');
        s.add(new Option('PLATFRM', 'PLATFRM')); s.value = 'PLATFRM'; }""")
    page.click("input[name=_save]")
    assert "“PLATFRM” is not one of the values the destination offers" in page.locator(".errorlist").inner_text()
    assert page.locator("#content-main").get_by_text("PLATFRM").count() >= 1
    page.select_option("select#id_target_value", "HR")  # a real department, but the wrong one
    screenshot(page, "fix-mapping-picklist")
    page.click("input[name=_save]")
    released = wait_for(lambda: latest_run(integration, trigger="replay", status__in=["succeeded", "partial",
                                                                                       "failed"]),
                        timeout=60, message="the worker to release the held records")
    assert released.status == "succeeded", (released.status, released.error)
    assert not PendingRecord.objects.filter(integration=integration).exclude(
        status=PendingRecord.Status.RESOLVED).exists()
    written = {e["employeeNumber"]: e["department"] for e in visma.data.tables["employees"].ordered()[0]}

    record = PendingRecord.objects.filter(integration=integration, stream="employees").first()
    page.goto(f"/admin/syncs/pendingrecord/{record.pk}/change/")
    page.click("#record-story-link")
    page.wait_for_selector("#record-story [data-test=story-row]")
    assert page.locator("#record-story [data-test=story-row][data-action=hold]").count() >= 1
    screenshot(page, "record-story")

    # --- the mapping was wrong: correcting it offers to re-apply it; the dry run shows before → after ----------
    mapping = ValueMapping.objects.get(integration=integration, map_name=DEPARTMENT_MAP,
                                       source_value=DEPARTMENTS["platform"])
    page.goto(f"/admin/syncs/valuemapping/{mapping.pk}/change/")
    page.select_option("select#id_target_value", "IT")
    page.click("input[name=_save]")
    page.wait_for_selector("[data-test=reapply-confirm]")
    affected = int(page.locator("[data-test=reapply-confirm]").get_attribute("data-affected"))
    assert affected == platform_workers + 1  # the department and each of its employees
    screenshot(page, "reapply-confirm")

    page.goto(f"/admin/syncs/integration/{integration.pk}/dry-run/")
    page.check("#id_from_start")
    page.fill("#id_limit", "50")
    page.click("#run-dry-run")
    update = page.locator(f"[data-test=preview-row][data-action=update][data-stream=employees]"
                          f"[data-source-id='{record.source_id}']")
    diff = update.locator("[data-test=preview-diff][data-basis=destination] tr[data-field=department]")
    assert diff.locator("[data-test=diff-before]").inner_text() == "HR"  # read from Visma
    assert diff.locator("[data-test=diff-after]").inner_text() == "IT"
    screenshot(page, "dry-run-before-after")

    sandbox.app.log.clear()
    page.goto(f"/admin/syncs/valuemapping/{mapping.pk}/reapply/")
    page.click("#reapply-confirm")
    page.wait_for_selector(".messagelist")
    assert "being written again with IT" in page.locator(".messagelist").inner_text()
    reapplied = wait_for(lambda: SyncRun.objects.filter(integration=integration, trigger="replay",
                                                        status__in=["succeeded", "partial", "failed"])
                         .exclude(pk=released.pk).order_by("-pk").first(),
                         timeout=60, message="the worker to re-apply the mapping")
    assert (reapplied.status, reapplied.updated) == ("succeeded", affected), reapplied.error
    puts = [e.path for e in sandbox.app.log.filter(vendor="visma", writes_only=True) if "/connect/" not in e.path]
    platform_numbers = sorted(str(int(w["number"])) for w in rippling.data["workers"].rows.values()
                              if w.get("department_id") == DEPARTMENTS["platform"])
    assert len(platform_numbers) == platform_workers and all(written[n] == "HR" for n in platform_numbers)
    assert sorted(p.rsplit("/", 1)[-1] for p in puts) == platform_numbers  # exactly the affected, once each
    assert all(e["department"] == "IT" for e in visma.data.tables["employees"].ordered()[0]
               if e["employeeNumber"] in platform_numbers)

    per_worker = visma_employee_count_of(integration, visma)
    assert max(per_worker.values()) == 1, per_worker
    assert len(per_worker) == len([w for w in rippling.data["workers"].rows.values()]), per_worker
