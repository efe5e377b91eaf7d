"""Dayforce pay summaries → Visma journal transactions end to end, over real HTTP to both sandboxes:
one balanced transaction per pay group and pay date, the accounting pre-flight, corrections reversed and
reposted, the 403 on pay data, the approval gate."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from audit.models import AuditRecord
from connections.services import connection_test
from sandbox.vendors.dayforce import NO_PAY_DATA_USERNAME
from syncs.approvals import ApprovalRefused, journal_approve, journal_reject
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.dayforce_visma import COST_CENTER_MAP, DEPARTMENT_MAP
from syncs.flows.dayforce_visma.journal import DEPARTMENT_SEGMENT_MAP, PAY_CATEGORY_MAP, PAY_CODE_MAP
from syncs.models import IdMap, JournalApproval, PendingRecord, SyncRun, ValueMapping
from tests.e2e.test_dayforce_visma import DEPARTMENTS, ORG_UNITS, per_second_limit_only  # noqa: F401 (autouse)
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

PAY_GROUPS = ["NO-MONTHLY", "NO-BIWEEKLY"]
MONTHLY, BIWEEKLY = 3, 7  # seeded pay dates from September to November 2026
DEPARTMENT_SEGMENT = {"ENG": "40", "SAL": "20", "FIN": "10", "OPS": "30"}
OPTIONS = {"page_size": 6, "pay_groups": PAY_GROUPS, "pay_clearing_account": "1930", "pay_dates_from": "2026-09-01"}


def journal_integration(tenant, make_sandbox_connection, *, name="Payroll → GL", actor=None, **options):
    from syncs.services import integration_create

    source = make_sandbox_connection("dayforce", tenant=tenant, name=f"Dayforce {name}")
    assert connection_test(connection=source).ok
    source.refresh_from_db()
    destination = make_sandbox_connection("visma", tenant=tenant, name=f"Visma {name}")
    integration = integration_create(tenant=tenant, name=name, flow_kind="dayforce_visma", source=source,
                                     destination=destination, options={**OPTIONS, **options}, actor=actor)
    maps = {DEPARTMENT_MAP: DEPARTMENTS, DEPARTMENT_SEGMENT_MAP: DEPARTMENT_SEGMENT,
            COST_CENTER_MAP: {xref: str(5000 + n) for n, xref in enumerate(ORG_UNITS)},
            PAY_CODE_MAP: {"REG": "7010", "OT150": "7010", "SAL": "7010"},
            PAY_CATEGORY_MAP: {"Retro": "7010", "Bonus": "7010"}}
    for map_name, values in maps.items():
        for source_value, target in values.items():
            ValueMapping.objects.create(tenant=tenant, integration=integration, map_name=map_name,
                                        source_value=source_value, target_value=target)
    return integration


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, dayforce, visma):
    return journal_integration(tenant_a, make_sandbox_connection)


def run(integration):
    return sync_run_execute(run=sync_run_create(integration=integration))


def journals(visma) -> list[dict]:
    return list(visma.data.tables["journal_transactions"].ordered()[0])


def by_description(visma) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for journal in journals(visma):
        found.setdefault(journal["description"], []).append(journal)
    return found


def gross(dayforce, pay_group, pay_date) -> Decimal:
    lines = dayforce.company.pay_run(pay_group, pay_date).lines
    return sum((Decimal(str(line["PayAmount"])).quantize(Decimal("0.01")) for line in lines), Decimal("0.00"))


def held(integration) -> dict[str, PendingRecord]:
    return {p.source_id: p for p in PendingRecord.objects.filter(integration=integration, stream="pay_runs",
                                                                  status=PendingRecord.Status.HELD)}


NOV_25 = datetime(2026, 11, 25, tzinfo=timezone.utc)


def test_each_pay_run_is_one_balanced_journal_posted_once(integration, dayforce, visma, sandbox):
    first = run(integration)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    posted = by_description(visma)
    assert len(journals(visma)) == MONTHLY + BIWEEKLY == len(posted)
    november = posted["Dayforce pay run NO-MONTHLY 2026-11-25"][0]
    assert november["financialPeriod"] == "202611" and november["status"] == "Balanced"
    assert Decimal(str(november["debitTotal"])) == Decimal(str(november["creditTotal"])) == gross(
        dayforce, "NO-MONTHLY", NOV_25)
    lines = november["journalTransactionLines"]
    assert {line["accountNumber"] for line in lines} == {"7010", "1930"}
    assert {line["subaccount"]["subaccountNumber"] for line in lines} >= {"40-5007", "10-5010"}  # Oslo Eng, Bergen Fin
    assert len({line["referenceNumber"] for line in lines}) == 1 and lines[0]["referenceNumber"].startswith("MLC")

    posts = len(sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction"))
    again = run(integration)
    assert again.status == SyncRun.Status.SUCCEEDED and len(journals(visma)) == MONTHLY + BIWEEKLY
    assert len(sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction")) == posts


def test_a_closed_period_holds_its_pay_runs_until_it_is_opened(integration, dayforce, visma):
    visma.period_close("202611")

    first = run(integration)

    assert first.status == SyncRun.Status.PARTIAL, first.error
    waiting = held(integration)
    assert set(waiting) == {"NO-MONTHLY:2026-11-25", "NO-BIWEEKLY:2026-11-13", "NO-BIWEEKLY:2026-11-27"}
    assert "financial period 202611 is closed in the general ledger" in waiting["NO-MONTHLY:2026-11-25"].reason
    assert len(journals(visma)) == MONTHLY + BIWEEKLY - 3

    visma.period_close("202611", closed=False)
    released = run(integration)

    assert released.status == SyncRun.Status.SUCCEEDED, released.error
    assert released.created == 3 and len(journals(visma)) == MONTHLY + BIWEEKLY
    assert not held(integration)
    visma.period_close("202609")  # periods of posted pay runs close as the year goes on
    later = run(integration)
    assert later.status == SyncRun.Status.SUCCEEDED and later.unchanged == later.read and not held(integration)


def test_an_unmapped_pay_code_and_an_unknown_account_hold_with_the_mapping_to_fix(integration, dayforce, visma):
    ValueMapping.objects.filter(integration=integration, map_name=PAY_CODE_MAP, source_value="OT150").delete()
    ValueMapping.objects.filter(integration=integration, map_name=PAY_CODE_MAP, source_value="SAL").update(
        target_value="9999")

    result = run(integration)

    waiting = held(integration)
    assert result.held == MONTHLY + BIWEEKLY
    assert waiting["NO-BIWEEKLY:2026-11-27"].missing_key == f"{PAY_CODE_MAP}:OT150"
    assert "pay code 'OT150'" in waiting["NO-BIWEEKLY:2026-11-27"].reason
    monthly = waiting["NO-MONTHLY:2026-11-25"]
    assert monthly.missing_key == f"{PAY_CODE_MAP}:SAL" and "GL account 9999" in monthly.reason
    assert not journals(visma)


def test_a_corrected_pay_run_is_reversed_and_reposted(integration, dayforce, visma):
    run(integration)
    original = by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"][0]
    before = gross(dayforce, "NO-MONTHLY", NOV_25)

    dayforce.change("pay_run_correct", "NO-MONTHLY", NOV_25, employee="42100", pay_code="SAL", amount=81000.0)
    corrected = run(integration)

    assert corrected.status == SyncRun.Status.SUCCEEDED, corrected.error
    assert corrected.updated == 1 and corrected.created == 0
    transactions = journals(visma)
    assert len(transactions) == MONTHLY + BIWEEKLY + 2  # a reversal and the new version; nothing edited
    reversal = next(j for j in transactions if j["description"].startswith(f"Reversal of {original['batchNumber']}"))
    assert Decimal(str(reversal["debitTotal"])) == before
    reversed_lines = {(line["accountNumber"], line["subaccount"]["subaccountNumber"]): line["creditAmountInCurrency"]
                      for line in reversal["journalTransactionLines"] if line["creditAmountInCurrency"]}
    assert reversed_lines == {(line["accountNumber"], line["subaccount"]["subaccountNumber"]): line["debitAmountInCurrency"]
                              for line in original["journalTransactionLines"] if line["debitAmountInCurrency"]}
    reposted = [j for j in by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"]
                if j["batchNumber"] != original["batchNumber"]][0]
    assert Decimal(str(reposted["debitTotal"])) == gross(dayforce, "NO-MONTHLY", NOV_25) != before
    assert visma.record("journaltransaction", original["batchNumber"])["journalTransactionLines"] == \
        original["journalTransactionLines"]  # the posted one was never edited
    audit = AuditRecord.objects.get(run=corrected, stream="pay_runs", action=AuditRecord.Action.UPDATE)
    assert audit.reason == (f"corrected pay run: journal transaction {original['batchNumber']} reversed by "
                            f"{reversal['batchNumber']}, reposted as {reposted['batchNumber']}")
    assert IdMap.objects.get(integration=integration, stream="pay_runs",
                             source_id="NO-MONTHLY:2026-11-25").target_id == reposted["batchNumber"]
    assert run(integration).updated == 0  # nothing more to correct


def test_a_403_on_pay_data_is_reported_and_the_employees_still_sync(integration, dayforce, visma):
    source = integration.source
    source.credentials = {**source.credentials, "username": NO_PAY_DATA_USERNAME}
    source.save()

    result = run(integration)

    assert result.status == SyncRun.Status.PARTIAL
    assert result.created == 12 + 13  # employees and org units written all the same
    assert (result.error_class, result.error_vendor, result.error_status) == ("VendorPermissionError", "Dayforce", 403)
    assert "HCM Anywhere > Web Services > Read Data > Pay Summaries" in result.error_hint
    assert "EmployeePaySummaries" in result.error_hint
    source.refresh_from_db()
    assert "HCM Anywhere > Web Services > Read Data > Pay Summaries" in source.last_error
    assert not journals(visma)


@pytest.fixture
def member_admin(tenant_a):
    from connections.models import Membership
    from tests.factories import MembershipFactory

    return MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN, user__username="controller").user


@pytest.fixture
def gated(tenant_a, owner, make_sandbox_connection, dayforce, visma):
    return journal_integration(tenant_a, make_sandbox_connection, name="Gated payroll", actor=owner,
                               approval_required=True, pay_dates_from="2026-11-20")


def test_approval_required_then_given_by_a_second_person(gated, owner, member_admin, visma):
    first = run(gated)

    assert first.held == 2 and not journals(visma)  # NO-MONTHLY 11-25 and NO-BIWEEKLY 11-27
    approval = JournalApproval.objects.get(integration=gated, source_id="NO-MONTHLY:2026-11-25")
    assert "Awaiting approval" in held(gated)["NO-MONTHLY:2026-11-25"].reason
    with pytest.raises(ApprovalRefused, match="configured this integration last"):
        journal_approve(approval=approval, user=owner)

    journal_approve(approval=approval, user=member_admin, note="Checked against the payroll register")
    approved = run(gated)

    assert approved.created == 1 and approved.held == 1
    assert [j["description"] for j in journals(visma)] == ["Dayforce pay run NO-MONTHLY 2026-11-25"]
    trail = AuditRecord.objects.get(integration=gated, action=AuditRecord.Action.RELEASE, source_ref=approval.source_id)
    assert trail.reason.startswith(f"journal approved by {member_admin.get_username()} at ")
    assert "Checked against the payroll register" in trail.reason


def test_a_rejected_journal_holds_the_pay_run_with_the_note(gated, member_admin, visma):
    run(gated)
    approval = JournalApproval.objects.get(integration=gated, source_id="NO-BIWEEKLY:2026-11-27")

    journal_reject(approval=approval, user=member_admin, note="Overtime for SVG-OPS looks doubled")
    rejected = run(gated)

    reason = held(gated)["NO-BIWEEKLY:2026-11-27"].reason
    assert f"rejected by {member_admin.get_username()}" in reason and "Overtime for SVG-OPS looks doubled" in reason
    assert rejected.created == 0 and not journals(visma)
    assert AuditRecord.objects.filter(integration=gated, action=AuditRecord.Action.HOLD,
                                      reason__contains="Overtime for SVG-OPS").exists()


def test_a_held_pay_runs_audit_row_keeps_nobodys_pay(integration, visma):
    visma.period_close("202611")

    run(integration)

    audit = AuditRecord.objects.filter(integration=integration, stream="pay_runs", source_ref="NO-MONTHLY:2026-11-25",
                                       action=AuditRecord.Action.HOLD).get()
    lines = audit.payload["lines"]
    assert lines and {line["PayAmount"] for line in lines} == {"[redacted]"} and {line["Rate"] for line in lines} == {
        "[redacted]"}
    pending = PendingRecord.objects.get(integration=integration, source_id="NO-MONTHLY:2026-11-25")
    assert all(isinstance(line["PayAmount"], float) for line in pending.payload["lines"])  # released as it was read


def test_a_correction_interrupted_after_its_reversal_is_finished_without_reversing_twice(integration, dayforce,
                                                                                       visma, sandbox):
    from connections.vendors.errors import VendorError

    run(integration)
    original = by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"][0]
    dayforce.change("pay_run_correct", "NO-MONTHLY", NOV_25, employee="42100", pay_code="SAL", amount=81000.0)
    visma.faults.error_after_next(1, status=502)  # the reversal is booked, and the answer is lost

    sandbox.app.log.clear()
    try:
        run(integration)
    except VendorError:  # transient: the task would be retried by Celery
        pass
    posts = sandbox.app.log.filter(vendor="visma", method="POST", path_contains="journaltransaction")
    assert posts[0].status == 502 and len([j for j in journals(visma) if j["description"].startswith("Reversal")]) == 1
    finished = run(integration)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    reversals = [j for j in journals(visma) if j["description"].startswith("Reversal of")]
    assert len(reversals) == 1 and reversals[0]["description"].startswith(f"Reversal of {original['batchNumber']}")
    versions = by_description(visma)["Dayforce pay run NO-MONTHLY 2026-11-25"]
    assert len(versions) == 2  # the original and exactly one corrected version
    assert len(journals(visma)) == MONTHLY + BIWEEKLY + 2
    assert run(integration).updated == 0
