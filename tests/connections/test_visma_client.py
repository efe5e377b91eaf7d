"""The Visma client over real HTTP against the sandbox: paging, deltas, writes, If-Match, auth, retries, webhooks."""
from datetime import datetime

import pytest

from connections.vendors import get_vendor
from connections.vendors.errors import VendorConflict, VendorNotFound, VendorRejected
from connections.vendors.tokens import MemoryTokenCache
from connections.vendors.errors import VendorPreconditionFailed
from connections.vendors.visma.schemas import visma_timestamp, wrap_values
from connections.vendors.visma.webhooks import SIGNATURE_HEADER, parse_event, verify_signature
from tests.support.webhook_receiver import WebhookReceiver

NEW_EMPLOYEE = {
    "employeeCd": "5001", "department": "IT", "employeeClass": "EMPSAL", "branch": "1", "calendar": "MAIN",
    "status": "Active", "contact": {"firstName": "Mari", "lastName": "Solheim", "email": "mari.solheim@example.no"},
    "address": {"addressLine1": "Storgata 1", "postalCode": "0150", "city": "Oslo", "countryId": "NO"},
}


@pytest.fixture
def visma(sandbox):
    return sandbox.app["visma"]


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(make_sandbox_connection, sandbox, sleeps):
    """A Visma client whose backoff sleeps are recorded and move the sandbox clock instead of waiting.

    Its tokens are cached in memory: the default Django cache in tests is a file cache under var/ that every
    test process on the machine shares (and clears), which would make token counts depend on other runs."""

    def sleep(seconds):
        sleeps.append(seconds)
        sandbox.app.clock.advance(seconds)

    return get_vendor("visma").client_for(make_sandbox_connection("visma"), sleep=sleep,
                                          token_cache=MemoryTokenCache())


def calls(sandbox, method=None, path=""):
    return [e for e in sandbox.app.log.filter(vendor="visma", method=method, path_contains=path)
            if "/connect/token" not in e.path]


def statuses(sandbox, method=None, path=""):
    return [e.status for e in calls(sandbox, method, path)]


def token_requests(sandbox):
    return sandbox.app.log.filter(vendor="visma", path_contains="/connect/token")


# --- paging and deltas (docs/vendors/visma.md §7) ---------------------------------------------------------------
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


# --- writes (§4, §5) -------------------------------------------------------------------------------------
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


# --- auth, rate limits and retries (§2, §6, base client) ------------------------------------------------------
def test_it_renews_a_token_that_expires_soon_before_using_it(client, visma, sandbox):
    visma.tokens.lifetime = 60  # under the client's renewal margin: never worth using

    client.get_employee("1001")
    client.get_employee("1002")

    assert len(token_requests(sandbox)) == 2
    assert statuses(sandbox, "GET") == [200, 200]  # renewed before the call, never refused


def test_it_reauthenticates_once_when_the_token_expired_at_visma(client, sandbox):
    client.get_employee("1001")
    sandbox.app.clock.advance(3601)  # Visma's clock says the token is dead; the client's cache does not know

    client.get_employee("1002")

    assert len(token_requests(sandbox)) == 2
    assert statuses(sandbox, "GET") == [200, 401, 200]


def test_it_reauthenticates_once_when_tokens_are_revoked_mid_run(client, visma, sandbox):
    visma.seed(employees=2345)
    visma.faults.revoke_tokens_after = 1

    assert sum(len(page) for page in client.iter_pages("v1/employee", page_size=1000)) == 2345
    assert statuses(sandbox, "GET") == [200, 401, 200, 200]
    assert len(token_requests(sandbox)) == 2


def test_it_waits_as_long_as_retry_after_says_on_a_429(client, visma, sandbox, sleeps):
    visma.faults.fail_next(1, status=429, headers={"Retry-After": "1"})

    body, _ = client.get_employee("1001")

    assert body["employeeId"] == 1001
    assert sleeps == [1.0]
    assert statuses(sandbox, "GET") == [429, 200]


def test_it_retries_a_5xx_but_never_a_400(client, visma, sandbox, sleeps):
    visma.faults.fail_next(2, status=503)
    assert client.get_employee("1001")[0]["employeeId"] == 1001
    assert statuses(sandbox, "GET") == [503, 503, 200] and len(sleeps) == 2

    with pytest.raises(VendorRejected) as rejected:
        client.create_employee({**NEW_EMPLOYEE, "department": "NOPE"})
    with pytest.raises(VendorRejected):
        list(client.iter_pages("v1/employee", params={"lastModifiedDateTime": "2026-01-01"}))
    with pytest.raises(VendorNotFound):
        client.get_employee("424242")

    assert "Department 'NOPE' does not exist" in str(rejected.value)
    assert statuses(sandbox, "POST") == [400]
    assert statuses(sandbox, "GET") == [503, 503, 200, 400, 404] and len(sleeps) == 2


# --- webhooks (§10) ----------------------------------------------------------------------------------------------
@pytest.fixture
def receiver():
    started = WebhookReceiver()
    yield started
    started.close()


def test_it_verifies_visma_webhook_signatures(client, visma, receiver):
    visma.subscribe(receiver.url, ["employee.*"], "current-key")

    client.create_employee(NEW_EMPLOYEE)

    assert visma.flush_webhooks(5)
    [delivery] = receiver.received
    header = delivery.headers[SIGNATURE_HEADER]
    assert verify_signature(delivery.body, header, ["retired-key", "current-key"])  # rotation: either key
    assert verify_signature(delivery.body, header, "retired-key, current-key")
    assert not verify_signature(delivery.body, header, ["retired-key"])
    assert not verify_signature(delivery.body.replace(b"5001", b"5002"), header, ["current-key"])
    assert not verify_signature(delivery.body, None, ["current-key"])
    assert not verify_signature(delivery.body, header, ["", " "])
    event = parse_event(delivery.body)
    assert (event["type"], event["entity"], event["id"]) == ("employee.created", "employee", "5001")
    assert event["notification_id"] and event["tenant_id"] == visma.demo_credentials["tenant_id"]
    with pytest.raises(ValueError):
        parse_event(b"not json")
