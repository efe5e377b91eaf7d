"""The chaos tests' judge: what the sandbox shows counts a duplicate, a lost and a stale record of each kind.

A judge that cannot see a duplicate would pass any engine; these make it fail on purpose.
"""
import pytest

from tests.support.visma_api import Api, new_employee
from tests.support.tally import employees_tally, journal_tally

pytestmark = [pytest.mark.django_db]


def journal(reference: str, amount: float) -> dict:
    def line(account, **amounts):
        return {"operation": "Insert", "accountNumber": {"value": account},
                "subaccount": [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "1000"}],
                **{key: {"value": value} for key, value in amounts.items()}}

    return {"transactionDate": {"value": "2026-11-30"}, "description": {"value": reference},
            "journalTransactionLines": [line("7010", debitAmountInCurrency=amount),
                                        line("1930", creditAmountInCurrency=amount)]}


def test_a_journal_transaction_posted_twice_is_a_duplicate(sandbox, visma):
    api = Api(sandbox)
    for reference, amount in (("pay-run-1", 100.0), ("pay-run-1", 100.0), ("pay-run-2", 80.0)):
        assert api.post("v2/journaltransaction", journal(reference, amount)).status_code == 201

    tally = journal_tally(sandbox.app, {"pay-run-1": 100.0, "pay-run-2": 75.0, "pay-run-3": 10.0})

    assert (tally.duplicated, tally.lost, tally.stale) == (1, 1, 1), tally.examples


def test_employees_refused_as_duplicates_lost_and_stale_are_counted(sandbox, rippling, visma):
    rippling.seed(workers=3, departments=1)
    first, second, third = sorted(rippling.data["workers"].rows.values(), key=lambda w: w["number"])
    api = Api(sandbox)
    for worker, email in ((first, first["work_email"]), (first, first["work_email"]), (second, "old@example.com")):
        api.post("v1/employee", new_employee(employeeCd={"value": str(int(worker["number"]))},
                                             contact={"lastName": {"value": "X"}, "email": {"value": email}},
                                             status={"value": "Inactive" if worker["status"] == "TERMINATED"
                                                     else "Active"}))

    tally = employees_tally(sandbox.app)

    assert (tally.records, tally.refused, tally.duplicated, tally.lost) == (3, 1, 1, 1)
    assert tally.stale == 1 and "old@example.com" in " ".join(tally.examples)
    assert not tally.clean
