"""The Visma client writing to the sandbox over real HTTP (docs/vendors/visma.md §4, §5): value-wrapped bodies,
If-Match updates and the 412 read-again, cost centres as segment values, journal transactions."""
import pytest

from connections.vendors.errors import VendorConflict, VendorPreconditionFailed
from connections.vendors.visma.schemas import wrap_values
from tests.support.visma_api import visma  # noqa: F401  (a fixture)
from tests.support.visma_client import (  # noqa: F401  (client, sleeps: fixtures)
    NEW_EMPLOYEE,
    calls,
    client,
    sleeps,
    statuses,
)


def test_wrap_values_wraps_scalars_and_keeps_lines_operations_and_segments_bare():
    body = wrap_values({
        "description": "Payroll", "hold": False, "amount": 0, "skip": None,
        "contact": {"lastName": "Solheim", "email": None},
        "already": {"value": "wrapped"},
        "journalTransactionLines": [{"operation": "Insert", "accountNumber": "7010",
                                     "subaccount": [{"segmentId": 1, "segmentValue": "10"}]}],
    })

    assert body == {
        "description": {"value": "Payroll"}, "hold": {"value": False}, "amount": {"value": 0},
        "contact": {"lastName": {"value": "Solheim"}},
        "already": {"value": "wrapped"},
        "journalTransactionLines": [{"operation": "Insert", "accountNumber": {"value": "7010"},
                                     "subaccount": [{"segmentId": 1, "segmentValue": "10"}]}],
    }


def test_it_creates_and_updates_an_employee(client, visma, sandbox):
    employee_cd, etag = client.create_employee(NEW_EMPLOYEE)

    assert employee_cd == "5001"
    body, current = client.get_employee(employee_cd)
    assert current == etag == f'"{body["timeStamp"]}"'
    assert body["employeeName"] == "Mari Solheim" and body["department"] == "IT"
    [post] = calls(sandbox, "POST")
    assert post.body["contact"]["lastName"] == {"value": "Solheim"} and post.body["employeeCd"] == {"value": "5001"}

    new_etag = client.update_employee(employee_cd, {"contact": {"phone1": "+47 900 00 000"}}, etag=etag)

    assert new_etag not in (None, etag)
    assert client.get_employee(employee_cd)[0]["contact"]["phone1"] == "+47 900 00 000"
    [put] = calls(sandbox, "PUT")
    assert put.headers["If-Match"] == etag


def test_it_recovers_a_412_by_reading_again_and_rebuilding_the_body(client, visma, sandbox):
    seen = []

    def build_body(current):
        seen.append(current["timeStamp"])
        if len(seen) == 1:  # someone edits the employee in Visma between our GET and our PUT
            visma.modify("employee", "1001", status="Inactive")
        return client.wrap_values({"contact": {"phone2": "+47 22 00 00 00"}})

    etag = client.update_with_retry("v1/employee/1001", build_body)

    assert len(seen) == 2 and seen[0] != seen[1]
    assert statuses(sandbox, "PUT") == [412, 204] and statuses(sandbox, "GET") == [200, 200]
    record = visma.record("employee", "1001")
    assert etag == f'"{record["timeStamp"]}"'
    assert record["contact"]["phone2"] == "+47 22 00 00 00" and record["status"] == "Inactive"


def test_it_gives_up_after_a_second_412_without_retrying_it_blindly(client, visma, sandbox, sleeps):
    def build_body(current):
        visma.modify("employee", "1001", status="Inactive")  # changed again every time
        return client.wrap_values({"contact": {"phone2": "x"}})

    with pytest.raises(VendorConflict) as raised:
        client.update_with_retry("v1/employee/1001", build_body)

    assert isinstance(raised.value, VendorPreconditionFailed) and raised.value.status == 412
    assert "changed in Visma after it was read" in str(raised.value)
    assert statuses(sandbox, "PUT") == [412, 412] and sleeps == []


def test_it_upserts_cost_centres_as_subaccount_segment_values(client, sandbox):
    before = client.list_cost_centers("SUBACCOUNT", 2)

    assert client.upsert_cost_center("SUBACCOUNT", 2, "1400", "Tromsø") == "Insert"
    assert client.upsert_cost_center("SUBACCOUNT", 2, "1400", "Tromsø sentrum", active=False) == "Update"
    assert client.upsert_cost_center("SUBACCOUNT", 2, "1000", "Oslo HQ", exists=True) == "Update"

    after = {v["valueId"]: v for v in client.list_cost_centers("SUBACCOUNT", 2)}
    assert len(after) == len(before) + 1
    assert (after["1400"]["description"], after["1400"]["active"]) == ("Tromsø sentrum", False)
    assert after["1000"]["description"] == "Oslo HQ"
    assert statuses(sandbox, "GET", "/1400") == [404, 200]  # the lookup's 404 is an answer, not retried
    [insert, *_] = calls(sandbox, "PUT")
    assert insert.body == {"segmentValues": [{"operation": "Insert", "value": "1400",
                                              "description": {"value": "Tromsø"}, "active": {"value": True}}]}


def test_it_creates_a_journal_transaction(client):
    def line(account, **amount):
        return {"accountNumber": account, "subaccount": [{"segmentId": 1, "segmentValue": "10"},
                                                         {"segmentId": 2, "segmentValue": "1000"}],
                "transactionDescription": "Payroll March", **amount}

    batch, etag = client.create_journal_transaction({
        "transactionDate": "2026-03-31", "description": "Payroll March",
        "journalTransactionLines": [line("7010", debitAmountInCurrency=1250.5),
                                    line("1930", creditAmountInCurrency=1250.5)]})

    assert batch == "000013" and etag
    [created] = [t for t in client.iter_journal_transactions(period_id="202603") if t["batchNumber"] == batch]
    assert [(l["accountNumber"], l["debitAmount"], l["creditAmount"]) for l in created["journalTransactionLines"]] \
        == [("7010", 1250.5, 0.0), ("1930", 0.0, 1250.5)]
