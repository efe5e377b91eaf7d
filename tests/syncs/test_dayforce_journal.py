"""The pay run → journal mapping and the accounting pre-flight: pure functions, no HTTP, no database."""
from decimal import Decimal

import pytest

from syncs.flows.dayforce_visma.journal import (
    DEPARTMENT_SEGMENT_MAP, PAY_CATEGORY_MAP, PAY_CODE_MAP, Accounting, JournalOptions, PayRunHeld, UnbalancedJournal,
    assert_balanced, journal_of, pay_runs_of, preflight, reversal_of, totals,
)
from syncs.mapping import MappingSet, MissingMapping

OPTIONS = JournalOptions(clearing_account="2930", cost_center_map="org_unit_to_cost_center")
MAPPINGS = MappingSet(values={PAY_CODE_MAP: {"REG": "5000", "OT": "5010"}, PAY_CATEGORY_MAP: {"Retro": "5090"},
                              DEPARTMENT_SEGMENT_MAP: {"ENG": "40", "OPS": "30"},
                              "org_unit_to_cost_center": {"OSL": "1000", "BGO": "1100"}})
OPEN = Accounting(periods={"202611": {"closedInGeneralLedger": False, "active": True}},
                  accounts={"5000", "5010", "5090", "2930"}, segment_values={1: {"40", "30"}, 2: {"1000", "1100"}})


def line(code, category, amount, department="ENG", unit="OSL", export=9001):
    return {"PayCodeXRefCode": code, "PayCategoryXRefCode": category, "PayAmount": amount, "PayExportId": export,
            "DepartmentXRefCode": department, "LocationXRefCode": unit, "PayDate": "2026-11-25T00:00:00Z"}


def pay_run(*lines):
    run, = pay_runs_of("NO-MONTHLY", list(lines))
    return run


def test_lines_are_summed_per_account_and_subaccount_and_balanced_per_cost_centre():
    journal = journal_of(pay_run(line("REG", "Regular", 1000.10), line("REG", "Regular", 999.905),
                                 line("OT", "Overtime", 300), line("REG", "Regular", 500, "OPS", "BGO")), MAPPINGS, OPTIONS)

    sides = {(entry["accountNumber"], entry["subaccount"][1]["segmentValue"]):
             entry.get("debitAmountInCurrency", -entry.get("creditAmountInCurrency", 0))
             for entry in journal["journalTransactionLines"]}
    assert sides == {("5000", "1000"): 2000.01, ("5010", "1000"): 300.0, ("5000", "1100"): 500.0,
                     ("2930", "1000"): -2300.01, ("2930", "1100"): -500.0}  # the clearing lines are credits
    found = assert_balanced(journal)
    assert found.debit == found.credit == Decimal("2800.01")
    assert found.by_cost_center == {"1000": Decimal("2300.01"), "1100": Decimal("500.00")}
    assert journal["transactionDate"] == "2026-11-25T00:00:00"
    assert journal["description"] == "Dayforce pay run NO-MONTHLY 2026-11-25"


def test_a_pay_code_without_a_mapping_falls_back_to_its_category_then_holds():
    journal = journal_of(pay_run(line("RETRO-SAL", "Retro", 250)), MAPPINGS, OPTIONS)
    assert journal["journalTransactionLines"][0]["accountNumber"] == "5090"
    assert journal["sources"]["account:5090"] == f"{PAY_CATEGORY_MAP}:Retro"

    with pytest.raises(MissingMapping) as missing:
        journal_of(pay_run(line("BONUS", "Bonus", 10)), MAPPINGS, OPTIONS)
    assert missing.value.key == f"{PAY_CODE_MAP}:BONUS" and "pay code 'BONUS'" in str(missing.value)


def test_a_negative_total_is_a_credit_and_the_clearing_line_a_debit():
    journal = journal_of(pay_run(line("RETRO-SAL", "Retro", -80)), MAPPINGS, OPTIONS)

    pay, clearing = journal["journalTransactionLines"]
    assert pay == {**pay, "accountNumber": "5090", "creditAmountInCurrency": 80.0}
    assert clearing == {**clearing, "accountNumber": "2930", "debitAmountInCurrency": 80.0}
    assert assert_balanced(journal).debit == Decimal("80.00")


def test_the_pre_flight_names_the_first_reason_and_the_mapping_to_fix():
    journal = journal_of(pay_run(line("REG", "Regular", 100)), MAPPINGS, OPTIONS)
    preflight(journal, OPEN, "202611")  # passes

    closed = Accounting(**{**OPEN.__dict__, "periods": {"202611": {"closedInGeneralLedger": True}}})
    with pytest.raises(PayRunHeld, match="financial period 202611 is closed in the general ledger") as held:
        preflight(journal, closed, "202611")
    assert held.value.key == ""
    with pytest.raises(PayRunHeld, match="Visma has no financial period 202612"):
        preflight(journal, OPEN, "202612")
    no_account = Accounting(**{**OPEN.__dict__, "accounts": {"2930"}})
    with pytest.raises(PayRunHeld, match="GL account 5000") as held:
        preflight(journal, no_account, "202611")
    assert held.value.key == f"{PAY_CODE_MAP}:REG"
    no_value = Accounting(**{**OPEN.__dict__, "segment_values": {1: {"40"}, 2: set()}})
    with pytest.raises(PayRunHeld, match="'1000' is not an active value of Visma's SUBACCOUNT segment 2") as held:
        preflight(journal, no_value, "202611")
    assert held.value.key == "org_unit_to_cost_center:OSL"
    lopsided = {**journal, "journalTransactionLines": journal["journalTransactionLines"][:1]}
    with pytest.raises(PayRunHeld, match="does not balance"):
        preflight(lopsided, OPEN, "202611")
    with pytest.raises(UnbalancedJournal):
        assert_balanced(lopsided)


def test_a_reversal_swaps_every_line_of_what_visma_posted():
    posted = {"batchNumber": "000013", "transactionDate": "2026-11-25T00:00:00", "description": "Dayforce pay run",
              "journalTransactionLines": [
                  {"accountNumber": "5000", "debitAmountInCurrency": 100.0, "creditAmountInCurrency": 0.0,
                   "transactionDescription": "Pay 1000",
                   "subaccount": {"subaccountNumber": "40-1000", "segments": [
                       {"segmentId": 1, "segmentValue": "40"}, {"segmentId": 2, "segmentValue": "1000"}]}},
                  {"accountNumber": "2930", "debitAmountInCurrency": 0.0, "creditAmountInCurrency": 100.0,
                   "transactionDescription": "Payroll clearing 1000",
                   "subaccount": {"subaccountNumber": "40-1000", "segments": [
                       {"segmentId": 1, "segmentValue": "40"}, {"segmentId": 2, "segmentValue": "1000"}]}}]}

    reversal = reversal_of(posted)

    first, second = reversal["journalTransactionLines"]
    assert first["creditAmountInCurrency"] == 100.0 and "debitAmountInCurrency" not in first
    assert second["debitAmountInCurrency"] == 100.0 and "creditAmountInCurrency" not in second
    assert first["subaccount"] == [{"segmentId": 1, "segmentValue": "40"}, {"segmentId": 2, "segmentValue": "1000"}]
    assert reversal["description"].startswith("Reversal of 000013") and totals(reversal).debit == Decimal("100.00")
