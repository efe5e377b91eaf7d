"""Writing to the Visma sandbox (docs/vendors/visma.md §4 Writes, §5): value-wrapped bodies, ETags and If-Match,
cost centres as segment values, balanced journal transactions and closed financial periods."""
from tests.support.visma_api import (  # noqa: F401  (api, swagger, visma: fixtures)
    EMPLOYEE_FIELDS,
    api,
    assert_ipp_exception,
    assert_valid,
    declared,
    new_employee,
    swagger,
    visma,
)


def test_it_creates_an_employee_from_value_wrapped_fields(api, visma, sandbox):
    before = visma.now()
    response = api.post("v1/employee", new_employee())

    assert response.status_code == 201, response.text
    assert response.json() == {}
    assert response.headers["Location"] == f"{sandbox.url}/visma/v1/employee/5001"
    created = api.get("v1/employee/5001")
    employee = created.json()
    assert response.headers["ETag"] == created.headers["ETag"] == f'"{employee["timeStamp"]}"'
    assert employee["employeeName"] == "Mari Solheim" and employee["contact"]["email"] == "mari.solheim@example.no"
    assert employee["department"] == "IT" and employee["employeeClass"] == {"id": "EMPSAL",
                                                                         "description": "Salaried employees"}
    assert employee["address"]["country"] == {"id": "NO", "name": "Norway"}
    assert before <= employee["lastModifiedDateTime"] <= visma.now()  # stamped by the sandbox clock
    assert set(employee) <= EMPLOYEE_FIELDS


def test_it_accepts_the_2016_form_of_nested_objects(api):
    body = new_employee(employeeCd={"value": "5002"}, address={"value": {"city": {"value": "Bergen"}}})

    assert api.post("v1/employee", body).status_code == 201
    assert api.get("v1/employee/5002").json()["address"]["city"] == "Bergen"


def test_it_refuses_unwrapped_scalars(api):
    response = api.post("v1/employee", new_employee(department="IT"))

    assert_ipp_exception(response, 400, "400", "Field 'department' must be sent as {\"value\": \"IT\"}")
    nested = api.post("v1/employee", new_employee(contact={"lastName": "Solheim", "email": {"value": "x@y.no"}}))
    assert_ipp_exception(nested, 400, says="Field 'contact.lastName' must be sent as")
    assert api.get("v1/employee/5001").status_code == 404


def test_it_validates_an_employee_create_dto(api):
    missing = new_employee()
    del missing["calendar"], missing["branch"]

    assert_ipp_exception(api.post("v1/employee", missing), 400, says="missing required field(s): branch, calendar")
    assert_ipp_exception(api.post("v1/employee", new_employee(contact={"lastName": {"value": "Solheim"}})), 400,
                         says="contact.email")
    assert_ipp_exception(api.post("v1/employee", new_employee(department={"value": "NOPE"})), 400,
                         says="Department 'NOPE' does not exist")
    assert_ipp_exception(api.post("v1/employee", new_employee(employeeCd={"value": "1001"})), 400,
                         says="already exists")
    assert_ipp_exception(api.post("v1/employee", ["not", "an", "object"]), 400, says="must be a JSON object")


def test_it_updates_with_204_and_a_new_etag_and_bumps_the_timestamps(api, sandbox):
    before = api.get("v1/employee/1001")
    sandbox.app.clock.advance(60)

    response = api.put("v1/employee/1001", {"contact": {"phone2": {"value": "+47 22 00 00 00"}},
                                            "status": {"value": "Hold"}}, if_match=before.headers["ETag"])

    assert response.status_code == 204 and response.content == b""
    after = api.get("v1/employee/1001")
    assert response.headers["ETag"] == after.headers["ETag"] != before.headers["ETag"]
    assert after.json()["timeStamp"] != before.json()["timeStamp"]
    assert after.json()["lastModifiedDateTime"] > before.json()["lastModifiedDateTime"]
    assert after.json()["contact"]["phone2"] == "+47 22 00 00 00"
    assert after.json()["status"] == "OnHold"  # written as "Hold", read as "OnHold" (SLICE enums)
    assert after.json()["contact"]["lastName"] == before.json()["contact"]["lastName"]  # omitted fields unchanged


def test_a_partial_update_changes_only_the_fields_it_carries(api):
    before = api.get("v1/employee/1001").json()

    response = api.put("v1/employee/1001", {"status": {"value": "Inactive"}})

    assert response.status_code == 204, response.text
    after = api.get("v1/employee/1001").json()
    assert after["status"] == "Inactive"
    unchanged = ("contact", "address", "department", "employeeClass", "branch", "calendarID", "employeeName")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_it_answers_412_to_a_stale_if_match_and_404_to_an_unknown_key(api):
    stale = api.get("v1/customer/10001").headers["ETag"]
    assert api.put("v1/customer/10001", {"name": {"value": "Fjord Nytt AS"}}, if_match=stale).status_code == 204

    response = api.put("v1/customer/10001", {"name": {"value": "Too Late AS"}}, if_match=stale)

    assert response.status_code == 412 and response.content == b""
    assert api.get("v1/customer/10001").json()["name"] == "Fjord Nytt AS"
    unquoted = api.get("v1/customer/10001").json()["timeStamp"]
    assert api.put("v1/customer/10001", {"name": {"value": "Unquoted AS"}}, if_match=unquoted).status_code == 204
    assert_ipp_exception(api.put("v1/customer/99999", {"name": {"value": "x"}}), 404, "404", "Customer 99999")
    assert_ipp_exception(api.get("v1/employee/424242"), 404, "404", "Employee 424242 not found")


def test_it_creates_customers_suppliers_and_subaccounts(api):
    customer = api.post("v1/customer", {"name": {"value": "Nordlys Regnskap AS"}, "customerClassId": {"value": "DOM"},
                                        "mainContact": {"email": {"value": "post@nordlys.example.no"}}})
    supplier = api.post("v1/supplier", {"number": {"value": "59000"}, "name": {"value": "Polar Data AS"}})
    subaccount = api.post("v1/subaccount", {"subaccountNumber": {"value": "40-2000"},
                                            "description": {"value": "IT / Stockholm"}})

    assert customer.status_code == supplier.status_code == subaccount.status_code == 201
    assert customer.headers["Location"].endswith("/v1/customer/10013")  # next number after the 12 seeded
    assert supplier.headers["Location"].endswith("/v1/supplier/59000")
    assert api.get("v1/subaccount/40-2000").json()["segments"][1]["segmentValueDescription"] == "Stockholm"
    assert_ipp_exception(api.post("v1/subaccount", {"subaccountNumber": {"value": "40-9999"}}), 400,
                         says="'9999' is not an active value of SUBACCOUNT segment 2")


def test_it_changes_cost_centres_with_segment_value_operations(api):
    etag = api.get("v1/dimension/SUBACCOUNT/2").headers["ETag"]

    inserted = api.put("v1/dimension/SUBACCOUNT/2", {"segmentValues": [
        {"operation": "Insert", "value": "1400", "description": {"value": "Tromsø"}, "active": {"value": True}},
        {"operation": "Update", "value": "1100", "description": {"value": "Bergen sentrum"}},
        {"operation": "Delete", "value": "2000"},
    ]}, if_match=etag)

    assert inserted.status_code == 204 and inserted.headers["ETag"] != etag
    values = {v["valueId"]: v for v in api.get("v1/dimension/SUBACCOUNT/2").json()["segmentValues"]}
    assert values["1400"]["description"] == "Tromsø" and values["1400"]["active"] is True
    assert values["1100"]["description"] == "Bergen sentrum" and "2000" not in values
    assert api.put("v1/dimension/SUBACCOUNT/2", {"segmentValues": []}, if_match=etag).status_code == 412
    assert_ipp_exception(api.put("v1/dimension/SUBACCOUNT/2", {"segmentValues": [
        {"operation": "Insert", "value": "1400"}]}), 400, says="already exists")
    assert_ipp_exception(api.put("v1/dimension/SUBACCOUNT/2", {"segmentValues": [
        {"operation": "Insert", "value": "12345"}]}), 400, says="longer than the segment length 4")
    assert_ipp_exception(api.put("v1/dimension/SUBACCOUNT/2", {"segmentValues": [
        {"operation": "Update", "value": "1400", "description": "bare"}]}), 400, says="must be sent as")


def test_it_creates_a_balanced_journal_transaction_and_refuses_an_unbalanced_one(api):
    def line(account, debit=None, credit=None):
        return {"operation": "Insert", "accountNumber": {"value": account},
                "subaccount": [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "1000"}],
                "debitAmountInCurrency": {"value": debit} if debit else None,
                "creditAmountInCurrency": {"value": credit} if credit else None,
                "transactionDescription": {"value": "Payroll March"}}

    created = api.post("v2/journaltransaction", {"transactionDate": {"value": "2026-03-31"},
                                                 "description": {"value": "Payroll March"},
                                                 "journalTransactionLines": [line("7010", debit=1250.5),
                                                                             line("1930", credit=1250.5)]})
    unbalanced = api.post("v2/journaltransaction", {"journalTransactionLines": [line("7010", debit=10)]})

    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith("/v2/journaltransaction/000013")
    transaction = api.get("v2/journaltransaction/000013").json()
    assert transaction["financialPeriod"] == "202603" and transaction["status"] == "Balanced"
    assert transaction["journalTransactionLines"][0]["subaccount"]["subaccountNumber"] == "10-1000"
    assert transaction["debitTotal"] == transaction["creditTotal"] == 1250.5
    assert_ipp_exception(unbalanced, 400, says="out of balance")
    assert_ipp_exception(api.put("v2/journaltransaction/000013", {"journalTransactionLines": [
        {"operation": "Update", "lineNumber": {"value": 9}}]}), 400, says="line 9 does not exist")


def test_it_serves_financial_periods_and_refuses_a_journal_in_a_closed_one(api, visma, swagger):
    periods = api.get("v1/financialPeriod", greaterThanValue="202610", numberToRead=3)
    november = api.get("v1/financialPeriod/202611")

    assert periods.status_code == 200 and [p["period"] for p in periods.json()] == ["202611", "202612", "202701"]
    for body in periods.json() + [november.json()]:
        assert_valid(swagger, "FinancialPeriodDto", body)
        assert set(body) == declared(swagger, "FinancialPeriodDto")  # every field the 2016 DTO declares
    assert november.json()["startDate"] == "2026-11-01T00:00:00" and november.json()["endDate"] == "2026-11-30T00:00:00"
    assert november.json()["closedInGeneralLedger"] is False
    assert_ipp_exception(api.get("v1/financialPeriod/209912"), 404, says="not found")

    visma.period_close("202611")
    line = {"operation": "Insert", "subaccount": [{"segmentId": 1, "segmentValue": "10"},
                                                  {"segmentId": 2, "segmentValue": "1000"}]}
    body = {"transactionDate": {"value": "2026-11-25"}, "journalTransactionLines": [
        {**line, "accountNumber": {"value": "7010"}, "debitAmountInCurrency": {"value": 100}},
        {**line, "accountNumber": {"value": "1930"}, "creditAmountInCurrency": {"value": 100}}]}
    assert api.get("v1/financialPeriod/202611").json()["closedInGeneralLedger"] is True
    assert_ipp_exception(api.post("v2/journaltransaction", body), 400, says="202611 is closed in the general ledger")
    visma.period_close("202611", closed=False)
    assert api.post("v2/journaltransaction", body).status_code == 201
