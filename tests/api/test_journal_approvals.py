"""Journal approvals over the REST API, and the e-mail to the approvers when a journal waits: tenant-scoped,
the second-person rule of the admin, decisions in the audit trail. Journals come from real runs against the
Dayforce and Visma sandboxes."""
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditRecord
from connections.models import Membership
from mlconnector.celery import app
from notifications.tasks import journal_waiting_task
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Integration, JournalApproval, SyncRun, WriteIntent
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401 (autouse)
from tests.e2e.test_dayforce_visma_journals import journal_integration
from tests.factories import ConnectionFactory, MembershipFactory
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)

MONTHLY_NOV, MONTHLY_OCT = "NO-MONTHLY:2026-11-25", "NO-MONTHLY:2026-10-25"
BASE = "/api/v1/tenants/tenant-a/journal-approvals"


@pytest.fixture
def second(tenant_a):
    """An admin of tenant A who did not configure the integration: the second person."""
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN, user__username="second").user


@pytest.fixture
def run_gated(django_capture_on_commit_callbacks):
    """Run an integration; what is queued on commit (the approvers' e-mail) runs inline, as on a worker."""

    def run(integration):
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return sync_run_execute(run=sync_run_create(integration=integration))
        finally:
            app.conf.task_always_eager = False

    return run


@pytest.fixture
def gated(tenant_a, owner, second, member, make_sandbox_connection, dayforce, visma, run_gated):
    integration = journal_integration(tenant_a, make_sandbox_connection, name="Gated", actor=owner,
                                      approval_required=True, pay_dates_from="2026-10-20")
    integration.streams = ["org_units", "pay_runs"]
    integration.save(update_fields=["streams"])
    first = run_gated(integration)
    assert first.held == 5
    return integration


def approval(source_id) -> JournalApproval:
    return JournalApproval.objects.get(source_id=source_id)


def waiting_mails():
    return [m for m in mail.outbox if "awaits your approval" in m.subject]


def test_it_lists_what_waits_per_cost_centre_against_the_previous_period(client_for, member, gated):
    response = client_for(member).get(BASE)

    assert response.status_code == 200
    rows = {row["source_id"]: row for row in response.json()["results"]}
    assert len(rows) == 5 and {row["status"] for row in rows.values()} == {"pending"}
    bergen_finance = next(c for c in rows[MONTHLY_NOV]["cost_centers"] if c["cost_center"] == "5010")
    assert (bergen_finance["amount"], bergen_finance["previous"], bergen_finance["difference"]) == (
        "212000.00", "135000.00", "77000.00")
    assert client_for(member).get(f"{BASE}/{approval(MONTHLY_NOV).pk}").json()["total_debit"] == \
        rows[MONTHLY_NOV]["total_debit"]


def test_an_outsider_finds_no_such_tenant(client_for, outsider, gated):
    pk = approval(MONTHLY_OCT).pk

    assert client_for(outsider).get(BASE).status_code == 404
    assert client_for(outsider).get(f"{BASE}/{pk}").status_code == 404
    assert client_for(outsider).post(f"{BASE}/{pk}/approve").status_code == 404
    assert "tenant-a" not in client_for(outsider).get("/api/v1/tenants/tenant-b/journal-approvals").content.decode()


def test_a_viewer_cannot_decide(client_for, member, gated):
    pk = approval(MONTHLY_OCT).pk

    assert client_for(member).post(f"{BASE}/{pk}/approve").status_code == 403
    assert client_for(member).post(f"{BASE}/{pk}/reject", {"note": "no"}).status_code == 403
    assert approval(MONTHLY_OCT).status == JournalApproval.Status.PENDING


def test_the_person_who_configured_it_cannot_approve_it(client_for, owner, gated):
    response = client_for(owner).post(f"{BASE}/{approval(MONTHLY_OCT).pk}/approve")

    assert response.status_code == 403 and "second person" in response.json()["detail"]
    assert approval(MONTHLY_OCT).status == JournalApproval.Status.PENDING


def test_a_second_person_approves_once_and_it_is_in_the_audit_trail(client_for, second, gated,
                                                                      django_capture_on_commit_callbacks):
    pk = approval(MONTHLY_OCT).pk

    with django_capture_on_commit_callbacks() as queued:
        response = client_for(second).post(f"{BASE}/{pk}/approve", {"note": "matches payroll"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == "second"
    assert len(queued) == 1 and SyncRun.objects.latest("pk").status == SyncRun.Status.QUEUED  # the run that posts it
    assert AuditRecord.objects.filter(source_ref=MONTHLY_OCT, action=AuditRecord.Action.RELEASE,
                                      reason__startswith="journal approved by second at").exists()
    again = client_for(second).post(f"{BASE}/{pk}/approve")
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    assert MONTHLY_OCT not in {row["source_id"] for row in client_for(second).get(BASE).json()["results"]}


def test_a_rejection_needs_a_note_and_holds_the_pay_run_with_it(client_for, second, gated):
    pk = approval(MONTHLY_NOV).pk

    assert client_for(second).post(f"{BASE}/{pk}/reject", {"note": " "}, format="json").status_code == 400
    response = client_for(second).post(f"{BASE}/{pk}/reject", {"note": "bonus is twice"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert AuditRecord.objects.filter(source_ref=MONTHLY_NOV, action=AuditRecord.Action.HOLD,
                                      reason__endswith="bonus is twice").exists()


def test_the_approvers_are_emailed_once_per_waiting_journal(second, owner, member, gated, run_gated):
    mails = waiting_mails()

    assert len(mails) == 5 == JournalApproval.objects.filter(notified_at__isnull=False).count()
    assert {tuple(m.to) for m in mails} == {(second.email,)}  # not the configurer, not the viewer
    november = next(m for m in mails if MONTHLY_NOV in m.subject)
    assert f"/admin/syncs/journalapproval/{approval(MONTHLY_NOV).pk}/change/" in november.body
    assert "Lovelace" not in november.body and "Knuth" not in november.body  # sums, no people

    run_gated(gated)  # the same journals still wait: nobody is told again
    assert journal_waiting_task(approval(MONTHLY_NOV).pk) == 0  # nor when the task is delivered twice
    assert len(waiting_mails()) == 5


def test_a_journal_decided_before_the_task_ran_is_not_told(client_for, second, gated):
    late = approval(MONTHLY_OCT)
    JournalApproval.objects.filter(pk=late.pk).update(notified_at=None)
    client_for(second).post(f"{BASE}/{late.pk}/approve")
    before = len(waiting_mails())

    assert journal_waiting_task(late.pk) == 0 and len(waiting_mails()) == before


def test_a_company_whose_only_manager_configured_it_is_told_a_second_person_is_needed(
        tenant_a, owner, make_sandbox_connection, dayforce, visma, run_gated):
    integration = journal_integration(tenant_a, make_sandbox_connection, name="Alone", actor=owner,
                                      approval_required=True, pay_dates_from="2026-11-20")
    integration.streams = ["org_units", "pay_runs"]
    integration.save(update_fields=["streams"])

    run_gated(integration)

    mails = waiting_mails()
    assert mails and {tuple(m.to) for m in mails} == {(owner.email,)}
    assert "Nobody may approve it yet" in mails[0].body


# --- the list's queries ----------------------------------------------------------------------------------
def pay_journal(amount: float) -> dict:
    return {"journalTransactionLines": [
        {"accountNumber": "7010", "transactionDescription": "Pay 5010", "debitAmountInCurrency": amount,
         "subaccount": [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "5010"}]}]}


def pay_group_history(integration, group: int, history: str) -> str:
    """A pay group's November journal waiting, after a `history` that reaches its previous period one way or
    another; returns the previous period's net debit the list must show ("" when there is none)."""
    def asked(period, amount, status, version="a"):
        JournalApproval.objects.create(tenant=integration.tenant, integration=integration, stream="pay_runs",
                                       source_id=f"G{group}:{period}", content_hash=version * 64,
                                       journal=pay_journal(amount), status=status)

    def posted(period, amount, version):
        WriteIntent.objects.create(tenant=integration.tenant, integration=integration, stream="pay_runs",
                                   source_id=f"G{group}:{period}", key=f"{group}{period}{version}".ljust(64, "0"),
                                   content_hash=version * 64, payload=pay_journal(amount),
                                   state=WriteIntent.State.CONFIRMED)

    asked("2026-11-25", 200.0, JournalApproval.Status.PENDING)
    if history == "approved":  # approved after the last posting, not posted yet; a rejected version does not count
        posted("2026-09-25", 90.0, "a")
        asked("2026-10-25", 100.0, JournalApproval.Status.APPROVED)
        asked("2026-10-25", 999.0, JournalApproval.Status.REJECTED, version="b")
        return "100.00"
    if history == "posted":  # posted, and corrected once: the latest version
        asked("2026-09-25", 80.0, JournalApproval.Status.APPROVED)
        posted("2026-10-25", 105.0, "a")
        posted("2026-10-25", 110.0, "b")
        return "110.00"
    return ""  # a new pay group: nothing before


@pytest.fixture
def journals(tenant_a):
    return Integration.objects.create(tenant=tenant_a, name="Journals", flow_kind="dayforce_visma",
                                      source=ConnectionFactory(tenant=tenant_a, kind="dayforce"),
                                      destination=ConnectionFactory(tenant=tenant_a, kind="visma"))


def test_the_lists_queries_do_not_grow_with_its_rows(client_for, member, journals):
    client = client_for(member)
    pay_group_history(journals, 0, "approved")
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(BASE).json()["count"] == 1
    for group in range(1, 6):
        pay_group_history(journals, group, "approved")
    with CaptureQueriesContext(connection) as six_rows:
        listed = client.get(BASE).json()["results"]

    assert len(listed) == 6 and {row["cost_centers"][0]["previous"] for row in listed} == {"100.00"}
    assert len(six_rows) == len(one_row), [q["sql"] for q in six_rows.captured_queries]


def test_the_list_shows_each_rows_previous_period_as_the_item_does(client_for, member, journals):
    client = client_for(member)
    expected = {f"G{group}:2026-11-25": pay_group_history(journals, group, ("approved", "posted", "none")[group % 3])
                for group in range(6)}

    shown = {row["source_id"]: row["cost_centers"] for row in client.get(BASE).json()["results"]}

    assert {source_id: rows[0]["previous"] or "" for source_id, rows in shown.items()} == expected
    assert {rows[0]["difference"] for rows in shown.values()} == {"100.00", "90.00", "200.00"}
    for source_id in ("G0:2026-11-25", "G1:2026-11-25", "G2:2026-11-25"):  # one alone looks its own up
        assert client.get(f"{BASE}/{approval(source_id).pk}").json()["cost_centers"] == shown[source_id]
