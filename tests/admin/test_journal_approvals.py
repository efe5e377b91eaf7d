"""The journal approval page: what would be posted per cost centre against the previous period, Approve /
Reject by a second person, tenant-scoped (viewers read, outsiders get 404)."""
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import JournalApproval, SyncRun
from tests.admin.page import find, find_all
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401 (autouse)
from tests.e2e.test_dayforce_visma_journals import journal_integration
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)

MONTHLY_NOV, MONTHLY_OCT = "NO-MONTHLY:2026-11-25", "NO-MONTHLY:2026-10-25"


@pytest.fixture
def approvals(tenant_a, owner, make_sandbox_connection, dayforce, visma):
    integration = journal_integration(tenant_a, make_sandbox_connection, name="Gated", actor=owner,
                                      approval_required=True, pay_dates_from="2026-10-20")
    integration.streams = ["org_units", "pay_runs"]  # the journals need the cost centres, not the employees
    integration.save(update_fields=["streams"])
    run = sync_run_execute(run=sync_run_create(integration=integration))
    assert run.held == 5 and not list(visma.data.tables["journal_transactions"].ordered()[0])
    return {a.source_id: a for a in JournalApproval.objects.filter(integration=integration)}


def url(view, approval):
    return reverse(f"customer_admin:syncs_journalapproval_{view}", args=[approval.pk])


def test_the_page_shows_each_cost_centre_against_the_previous_period(client, admin_user, approvals):
    client.force_login(admin_user)

    page = client.get(url("change", approvals[MONTHLY_NOV]))

    assert page.status_code == 200
    # Bergen Finance (5010): October's salaries plus Donald's retro line; November's salaries plus the bonus.
    row = find(page, data_cost_center="5010")
    now, before, difference = (Decimal(row[f"data-{k}"]) for k in ("amount", "previous", "difference"))
    assert (now, before, difference) == (Decimal("212000.00"), Decimal("135000.00"), Decimal("77000.00"))
    assert find(page, data_test="approve-journal") and find(page, data_test="reject-journal")


def test_the_person_who_configured_it_sees_no_approve_button(client, owner, approvals):
    client.force_login(owner)

    page = client.get(url("change", approvals[MONTHLY_NOV]))

    assert page.status_code == 200 and not find_all(page, data_test="approve-journal")
    response = client.post(url("approve", approvals[MONTHLY_NOV]), follow=True)
    assert "a second person must approve" in response.content.decode()
    assert JournalApproval.objects.get(pk=approvals[MONTHLY_NOV].pk).status == JournalApproval.Status.PENDING


def test_an_admin_approves_and_a_run_is_queued(client, admin_user, approvals, django_capture_on_commit_callbacks):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url("approve", approvals[MONTHLY_OCT]), {"note": "ok"})

    assert response.status_code == 302 and len(queued) == 1
    approval = JournalApproval.objects.get(pk=approvals[MONTHLY_OCT].pk)
    assert approval.status == JournalApproval.Status.APPROVED and approval.decided_by == admin_user
    assert SyncRun.objects.latest("pk").status == SyncRun.Status.QUEUED
    assert AuditRecord.objects.filter(source_ref=MONTHLY_OCT, action=AuditRecord.Action.RELEASE,
                                      reason__startswith="journal approved by admin at").exists()


def test_a_rejection_needs_a_note(client, admin_user, approvals):
    client.force_login(admin_user)

    client.post(url("reject", approvals[MONTHLY_OCT]), {"note": " "})

    assert JournalApproval.objects.get(pk=approvals[MONTHLY_OCT].pk).status == JournalApproval.Status.PENDING


@pytest.mark.parametrize("actor, status", [("member", 403), ("outsider", 404)])
def test_viewers_and_outsiders_cannot_decide(client, request, approvals, actor, status):
    client.force_login(request.getfixturevalue(actor))

    for view in ("approve", "reject"):
        assert client.post(url(view, approvals[MONTHLY_OCT]), {"note": "x"}).status_code == status
    assert JournalApproval.objects.get(pk=approvals[MONTHLY_OCT].pk).status == JournalApproval.Status.PENDING


def test_an_outsider_neither_lists_nor_opens_them(client, outsider, approvals):
    client.force_login(outsider)

    assert client.get(url("change", approvals[MONTHLY_OCT])).status_code in (302, 404)
    listing = client.get(reverse("customer_admin:syncs_journalapproval_changelist"))
    assert MONTHLY_OCT not in listing.content.decode()


def test_a_pay_run_held_for_a_mapping_visma_refuses_links_to_correcting_that_mapping(client, owner, tenant_a,
                                                                                      make_sandbox_connection, visma):
    from syncs.flows.dayforce_visma.journal import PAY_CODE_MAP
    from syncs.models import PendingRecord, ValueMapping

    integration = journal_integration(tenant_a, make_sandbox_connection, name="Payroll", pay_dates_from="2026-11-20")
    integration.streams = ["org_units", "pay_runs"]
    integration.save(update_fields=["streams"])
    wrong = ValueMapping.objects.get(integration=integration, map_name=PAY_CODE_MAP, source_value="SAL")
    wrong.target_value = "9999"  # no such GL account in Visma
    wrong.save()
    sync_run_execute(run=sync_run_create(integration=integration))
    held = PendingRecord.objects.get(integration=integration, source_id=MONTHLY_NOV)
    client.force_login(owner)

    page = client.get(reverse("customer_admin:syncs_pendingrecord_change", args=[held.pk]))

    link = find(page, data_test="correct-mapping")
    assert link["href"] == reverse("customer_admin:syncs_valuemapping_change", args=[wrong.pk])
    assert "GL account 9999" in page.content.decode()


def test_the_previous_period_is_the_posted_journal_when_the_gate_came_later(client, admin_user, tenant_a, visma,
                                                                          make_sandbox_connection):
    integration = journal_integration(tenant_a, make_sandbox_connection, name="Later gate",
                                      pay_dates_from="2026-10-20")
    integration.streams = ["org_units", "pay_runs"]
    integration.save(update_fields=["streams"])
    visma.period_close("202611")
    sync_run_execute(run=sync_run_create(integration=integration))  # October posted, November held (closed)
    visma.period_close("202611", closed=False)
    integration.options = {**integration.options, "approval_required": True}
    integration.save(update_fields=["options"])
    sync_run_execute(run=sync_run_create(integration=integration))
    november = JournalApproval.objects.get(integration=integration, source_id=MONTHLY_NOV)
    assert not JournalApproval.objects.filter(integration=integration, source_id=MONTHLY_OCT).exists()
    client.force_login(admin_user)

    page = client.get(url("change", november))

    row = find(page, data_cost_center="5010")
    assert (row["data-previous"], row["data-difference"]) == ("135000.00", "77000.00")  # October as posted


def test_a_pay_run_held_for_approval_links_to_its_journal(client, owner, member, approvals):
    from syncs.models import PendingRecord

    held = PendingRecord.objects.get(source_id=MONTHLY_NOV, status=PendingRecord.Status.HELD)
    client.force_login(owner)

    link = find(client.get(reverse("customer_admin:syncs_pendingrecord_change", args=[held.pk])),
                data_test="journal-approval-link")

    assert link["href"] == url("change", approvals[MONTHLY_NOV])
    client.force_login(member)
    page = client.get(reverse("customer_admin:syncs_pendingrecord_change", args=[held.pk])).content.decode()
    assert "Waits for an owner or admin to approve its journal." in page
