"""The drift report of Dayforce pay runs → Visma journal transactions over real HTTP to both sandboxes: pay runs
against the journals found by their MLC reference, differences seeded on either side, corrections (reversed and
reposted) settled, and pay runs and total debit per period on both sides (syncs/flows/dayforce_visma/drift.py)."""
import copy
from decimal import Decimal

from drift.models import DriftItem, DriftReport
from drift.services import drift_report_create, drift_report_run
from syncs.models import SyncRun
from tests.e2e.test_dayforce_visma import per_second_limit_only  # noqa: F401 (autouse)
from tests.e2e.test_dayforce_visma_journals import (BIWEEKLY, MONTHLY, NOV_25, by_description,  # noqa: F401
                                                    integration, run)
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)


def report_of(integration) -> DriftReport:  # noqa: F811
    report = drift_report_run(report=drift_report_create(integration=integration))
    assert report.status == DriftReport.Status.DONE, report.error_message
    return report


def pay_run_items(report) -> dict[tuple[str, str], DriftItem]:
    return {(i.kind, i.source_id or i.target_id): i for i in DriftItem.objects.filter(report=report, stream="pay_runs")}


def totals(report, label) -> dict[str, tuple]:
    return {t["group"]: (t["source"], t["destination"]) for t in report.totals
            if t["stream"] == "pay_runs" and t["label"] == label}


def test_posted_and_corrected_pay_runs_have_no_drift(integration, dayforce, visma):  # noqa: F811
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    dayforce.change("pay_run_correct", "NO-MONTHLY", NOV_25, employee="42100", pay_code="SAL", amount=81000.0)
    assert run(integration).updated == 1  # the posted journal reversed, the new version posted

    report = report_of(integration)

    assert pay_run_items(report) == {}
    runs = totals(report, "pay runs per period")
    assert sum(source for source, _ in runs.values()) == MONTHLY + BIWEEKLY
    assert all(source == there for source, there in runs.values()) and set(runs) >= {"202609", "202610", "202611"}
    debit = totals(report, "total debit per period")
    assert all(source == there for source, there in debit.values()) and debit["202611"][0] > 0


def test_it_finds_journals_edited_gone_copied_and_pay_runs_not_reposted(integration, dayforce, visma):  # noqa: F811
    assert run(integration).status == SyncRun.Status.SUCCEEDED
    table = visma.data.tables["journal_transactions"]
    posted = {description: found[0] for description, found in by_description(visma).items()}
    september, october = sorted(d for d in posted if "NO-MONTHLY 2026-09" in d or "NO-MONTHLY 2026-10" in d)
    edited = copy.deepcopy(posted[next(d for d in sorted(posted) if "NO-BIWEEKLY 2026-10" in d)])
    pay = next(line for line in edited["journalTransactionLines"] if line["debitAmountInCurrency"])
    clearing = next(line for line in edited["journalTransactionLines"] if line["creditAmountInCurrency"]
                    and line["subaccount"]["subaccountNumber"] == pay["subaccount"]["subaccountNumber"])
    pay["debitAmountInCurrency"] += 100.0  # a person corrected a line in Visma, and its clearing line too
    clearing["creditAmountInCurrency"] += 100.0
    table.put(edited)
    gone = posted[september]
    table.replace([j for j in table.rows.values() if j["batchNumber"] != gone["batchNumber"]])
    table.put({**copy.deepcopy(posted[october]), "batchNumber": "999999"})  # posted twice by hand
    dayforce.change("pay_run_correct", "NO-MONTHLY", NOV_25, employee="42100", pay_code="SAL", amount=81000.0)

    report = report_of(integration)

    items = pay_run_items(report)
    center = next(s["segmentValue"] for s in pay["subaccount"]["segments"] if s["segmentId"] == 2)
    [changed] = [i for (kind, _), i in items.items() if kind == "changed"]
    assert changed.target_id == edited["batchNumber"]
    assert [(d["field"], d["destination"] - d["source"], d["moved"]) for d in changed.diffs] == [
        ("debit", 100.0, "destination"), ("credit", 100.0, "destination"), (f"cost_center.{center}", 100.0,
                                                                           "destination")]
    [missing] = [i for (kind, _), i in items.items() if kind == "missing"]
    assert missing.source_id == "NO-MONTHLY:" + september.rsplit(" ", 1)[1]
    assert missing.note == f"posted as journal {gone['batchNumber']}, not in Visma (any more)"
    assert items[("extra", "999999")].note.startswith(f"'{october}' carries our reference")
    differs = items[("differs", "NO-MONTHLY:2026-11-25")]
    assert {d["field"] for d in differs.diffs} >= {"debit", "credit"}
    assert {d["moved"] for d in differs.diffs} == {"source"}
    assert len(items) == 4
    runs = totals(report, "pay runs per period")
    assert runs["202609"] == (runs["202609"][0], runs["202609"][0] - 1)
    assert runs["202610"] == (runs["202610"][0], runs["202610"][0] + 1)
    debit = totals(report, "total debit per period")
    assert Decimal(str(debit["202610"][1])) - Decimal(str(debit["202610"][0])) == \
        Decimal(str(posted[october]["debitTotal"])) + 100
    assert report.totals_off
