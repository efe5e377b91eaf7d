"""The Visma client reading the sandbox over real HTTP: pages one request at a time, deltas by
lastModifiedDateTime, every reader's resource (docs/vendors/visma.md §7)."""
from datetime import datetime

import pytest

from connections.vendors.visma.schemas import visma_timestamp
from tests.support.visma_api import visma  # noqa: F401  (a fixture)
from tests.support.visma_client import calls, client, sleeps  # noqa: F401  (client, sleeps: fixtures)


def test_it_streams_pages_one_request_at_a_time(client, visma, sandbox):
    visma.seed(employees=2345)

    pages = client.iter_pages("v1/employee", page_size=1000)
    first = next(pages)

    assert len(first) == 1000 and len(calls(sandbox, "GET")) == 1  # nothing fetched ahead
    rest = list(pages)
    assert [len(p) for p in rest] == [1000, 345]
    gets = calls(sandbox, "GET")
    assert len(gets) == 3  # stopped at pageNumber >= ceil(2345 / 1000), no trailing empty page
    assert [(g.query["pageNumber"], g.query["pageSize"]) for g in gets] == [(["1"], ["1000"]), (["2"], ["1000"]),
                                                                           (["3"], ["1000"])]
    ids = [e["employeeId"] for page in [first, *rest] for e in page]
    assert len(set(ids)) == 2345 and not any("metadata" in e for e in first)


def test_it_does_not_stop_early_when_visma_clamps_the_page_size(client, visma, sandbox):
    visma.seed(employees=2345)

    employees = list(client.list_employees())

    assert len(employees) == 2345
    visma.seed(employees=2345)
    sandbox.app.log.clear()
    assert sum(len(p) for p in client.iter_pages("v1/employee", page_size=5000)) == 2345  # clamped to 1000
    assert len(calls(sandbox, "GET")) == 3


def test_it_stops_on_an_empty_first_page(client, visma, sandbox):
    future = datetime(2030, 1, 1)

    assert list(client.list_employees(since=future)) == []
    assert len(calls(sandbox, "GET")) == 1


def test_it_reads_only_what_changed_since_a_cursor(client, visma, sandbox):
    everyone = list(client.list_employees())
    cursor = datetime.fromisoformat(everyone[20]["lastModifiedDateTime"])
    sandbox.app.log.clear()

    changed = list(client.list_employees(since=cursor))

    assert [e["employeeId"] for e in changed] == [e["employeeId"] for e in everyone[20:]]
    [request] = calls(sandbox, "GET")
    assert request.query["lastModifiedDateTime"] == [everyone[20]["lastModifiedDateTime"]]
    assert request.query["lastModifiedDateTimeCondition"] == [">="]
    # An ERP user edits an old employee: it is in the next delta, after everything else.
    visma.modify("employee", "1001", status="Inactive")
    later = list(client.list_employees(since=datetime.fromisoformat(everyone[-1]["lastModifiedDateTime"])))
    assert [e["employeeId"] for e in later] == [everyone[-1]["employeeId"], 1001]


def test_it_formats_delta_params_as_visma_accepts_them(client):
    assert client.delta_params(None) == {}
    assert client.delta_params(datetime(2026, 3, 1, 8, 5, 9, 123456)) == {
        "lastModifiedDateTime": "2026-03-01T08:05:09.123", "lastModifiedDateTimeCondition": ">="}
    assert visma_timestamp(datetime.fromisoformat("2026-03-01T10:05:09+02:00")) == "2026-03-01T08:05:09.000"


@pytest.mark.parametrize("reader, path, seeded", [
    ("iter_supplier_invoices", "/v1/supplierInvoice", 30), ("iter_customer_invoices", "/v1/customerinvoice", 30),
    ("iter_purchase_orders", "/v1/purchaseorder", 12), ("iter_payments", "/v1/payment", 15),
    ("iter_accounts", "/v1/account", 6), ("iter_journal_transactions", "/v2/journaltransaction", 12),
    ("iter_customers", "/v1/customer", 12), ("iter_suppliers", "/v1/supplier", 10),
    ("iter_subaccounts", "/v1/subaccount", 12),
])
def test_each_reader_streams_its_resource(client, sandbox, reader, path, seeded):
    records = list(getattr(client, reader)())

    assert len(records) == seeded
    assert {e.path.removeprefix("/visma") for e in calls(sandbox, "GET")} == {path}
    newest = records[-1]["lastModifiedDateTime"]
    later = list(getattr(client, reader)(datetime.fromisoformat(newest)))
    assert later == [r for r in records if r["lastModifiedDateTime"] >= newest] and later[-1] == records[-1]


def test_journal_transactions_are_read_by_period_or_since_without_a_condition(client, sandbox):
    period = next(client.iter_journal_transactions())["financialPeriod"]
    sandbox.app.log.clear()

    in_period = list(client.iter_journal_transactions(period_id=period))
    list(client.iter_journal_transactions(since=datetime(2026, 1, 1)))

    assert in_period and {t["financialPeriod"] for t in in_period} == {period}
    by_period, since = calls(sandbox, "GET")
    assert by_period.query["periodId"] == [period] and "lastModifiedDateTime" not in by_period.query
    assert since.query["lastModifiedDateTime"] == ["2026-01-01T00:00:00.000"]
    assert "lastModifiedDateTimeCondition" not in since.query
