"""The Visma sandbox checked against docs/vendors/visma.md (the source of truth) and, where it still applies,
the 2016 swagger.

Which 2016 definitions are compared, and why: the read DTOs of every resource the sandbox serves
(EmployeeDto with EmployeeContactDto/AddressDto, AccountDto, CustomerDto, SupplierDto, SubAccountDto,
JournalTransactionDto, SupplierInvoiceDto, CustomerInvoiceDto, PurchaseOrderDto, PaymentDto, DtoDimension,
DtoSegment, DtoSegmentValue). Their property names, types and enums are what PSDK still generates today, so a
wrong type or an enum value the API cannot send fails here. The current API adds fields (timeStamp, employeeUserId,
subaccountNumber, …) and renamed two (AccountDto accountID/accountCD → accountId/accountCd), so the schemas are
used with additional properties allowed, and a second check requires every field to be declared either by the
contract (docs/vendors/visma.md §4 "Response shapes") or by the 2016 definition. `format: date-time` is not
asserted: Visma sends company-local times without an offset, which RFC 3339 would refuse (docs/vendors/visma.md §7).
"""
import base64
import hashlib
import hmac
import json
import time

import pytest
import requests
from jsonschema import Draft4Validator

from sandbox.core import SPECS_DIR, Clock, RequestLog
from sandbox.vendors.visma import DEMO_COMPANY_ID, DEMO_CREDENTIALS, UNCONFIRMED, VismaSandbox
from tests.support.webhook_receiver import WebhookReceiver

SPECS = SPECS_DIR / "visma"
SWAGGER = SPECS / "swagger-2016-integration.visma.net.json"

# docs/vendors/visma.md §4 "Response shapes", field names exact.
EMPLOYEE_FIELDS = {"employeeUserId", "employeeId", "employeeNumber", "employeeName", "status", "department", "contact",
                   "address", "lastModifiedDateTime", "employeeClass", "branch", "calendarID", "employeeLogin",
                   "workGroupDescription", "timeStamp", "errorInfo", "metadata"}
EMPLOYEE_CONTACT_FIELDS = {"employeeContact", "title", "firstName", "midName", "lastName", "name", "email", "phone1",
                           "phone2", "phone3", "fax", "web", "attention", "contactId"}
ADDRESS_FIELDS = {"addressId", "addressLine1", "addressLine2", "addressLine3", "postalCode", "city", "country",
                  "county"}
SUBACCOUNT_FIELDS = {"subaccountNumber", "subaccountId", "description", "lastModifiedDateTime", "active", "segments",
                     "timeStamp", "errorInfo", "metadata"}
SUBACCOUNT_SEGMENT_FIELDS = {"segmentId", "segmentDescription", "segmentValue", "segmentValueDescription"}
DIMENSION_FIELDS = {"id", "length", "description", "segments"}
SEGMENT_FIELDS = {"internalId", "segmentId", "description", "length", "publicId", "timeStamp", "lastModified",
                  "validate", "isAutoNumber", "consolNumChar", "consolOrder", "segmentValues"}
SEGMENT_VALUE_FIELDS = {"internalId", "segmentId", "valueId", "description", "publicId", "active", "timeStamp",
                        "lastModified", "mappedSegValue"}
ACCOUNT_FIELDS = {"accountId", "accountCd", "accountGroupCd", "accountClass", "type", "active", "description",
                  "useDefaultSub", "postOption", "currency", "taxCategory", "cashAccount", "publicCode1",
                  "controlAccountModule", "allowManualEntry", "lastModifiedDateTime", "timeStamp", "metadata"}
JOURNAL_FIELDS = {"module", "batchNumber", "status", "hold", "transactionDate", "postPeriod", "financialPeriod",
                  "ledger", "currencyId", "description", "branch", "lastModifiedDateTime", "timeStamp",
                  "journalTransactionLines"}
# The contract gives only the key fields of these headers ("…"); the rest must come from the 2016 definition.
SUPPLIER_INVOICE_KEYS = {"documentType", "referenceNumber", "supplier", "status", "date", "dueDate", "currencyId",
                         "invoiceLines", "approvalStatus", "lastModifiedDateTime", "timeStamp"}
PURCHASE_ORDER_KEYS = {"orderType", "orderNbr", "status", "date", "promisedOn", "supplier", "currency", "lines",
                       "purchaseReceipts", "lastModifiedDateTime"}
CUSTOMER_INVOICE_KEYS = {"documentType", "referenceNumber", "customer", "status", "documentDate", "documentDueDate",
                         "invoiceLines", "lastModifiedDateTime"}
PARTY_KEYS = {"internalId", "number", "name", "status", "mainAddress", "mainContact", "lastModifiedDateTime",
              "timeStamp"}
PAYMENT_KEYS = {"type", "refNbr", "status", "customer", "paymentAmount", "paymentLines", "lastModifiedDateTime"}
PSDK_PAYMENT_ADDITIONS = {"branch", "timeStamp"}  # UNCONFIRMED payment_shape

# resource path, a key, 2016 definition, fields the contract requires, fields the contract adds to the 2016 ones
RESOURCES = [
    ("v1/account", "1930", "AccountDto", ACCOUNT_FIELDS - {"metadata"}, ACCOUNT_FIELDS),
    ("v1/customer", "10001", "CustomerDto", PARTY_KEYS, PARTY_KEYS),
    ("v1/supplier", "50001", "SupplierDto", PARTY_KEYS, PARTY_KEYS),
    ("v1/subaccount", "10-1000", "SubAccountDto", SUBACCOUNT_FIELDS - {"errorInfo", "metadata"}, SUBACCOUNT_FIELDS),
    ("v2/journaltransaction", "000001", "JournalTransactionDto", JOURNAL_FIELDS, JOURNAL_FIELDS),
    ("v1/supplierInvoice", "000001", "SupplierInvoiceDto", SUPPLIER_INVOICE_KEYS, SUPPLIER_INVOICE_KEYS),
    ("v1/customerinvoice", "000001", "CustomerInvoiceDto", CUSTOMER_INVOICE_KEYS, CUSTOMER_INVOICE_KEYS),
    ("v1/purchaseorder", "000001", "PurchaseOrderDto", PURCHASE_ORDER_KEYS, PURCHASE_ORDER_KEYS),
    ("v1/payment", "000001", "PaymentDto", PAYMENT_KEYS, PAYMENT_KEYS | PSDK_PAYMENT_ADDITIONS),
]


@pytest.fixture(scope="module")
def swagger():
    return json.loads(SWAGGER.read_text())


def validator(swagger, definition: str) -> Draft4Validator:
    # Swagger 2.0 schemas are a JSON Schema draft 4 subset; carrying the definitions resolves every $ref.
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": swagger["definitions"]})


def assert_valid(swagger, definition: str, body) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(swagger, definition).iter_errors(body)]
    assert not errors, errors


def declared(swagger, definition: str) -> set[str]:
    return set(swagger["definitions"][definition]["properties"])


@pytest.fixture
def visma(sandbox):
    return sandbox.app["visma"]


class Api:
    """Plain HTTP against the sandbox, as any Visma client would talk to it."""

    def __init__(self, sandbox, company_id: str | None = None):
        self.base = f"{sandbox.url}/visma/"
        response = requests.post(f"{sandbox.url}/visma-connect/connect/token", data={
            "grant_type": "client_credentials", **DEMO_CREDENTIALS,
            "scope": "vismanet_erp_service_api:read vismanet_erp_service_api:create"}, timeout=5)
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}", "Accept": "application/json"}
        if company_id:
            self.headers["ipp-company-id"] = company_id

    def get(self, path, **params):
        return requests.get(self.base + path, params=params, headers=self.headers, timeout=10)

    def post(self, path, body):
        return requests.post(self.base + path, json=body, headers=self.headers, timeout=10)

    def put(self, path, body, if_match=None):
        headers = {**self.headers, **({"If-Match": if_match} if if_match else {})}
        return requests.put(self.base + path, json=body, headers=headers, timeout=10)


@pytest.fixture
def api(sandbox):
    return Api(sandbox)


def assert_ipp_exception(response, status: int, code: str | None = None, says: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ExceptionType", "ExceptionMessage", "ExceptionFaultCode", "ExceptionMessageID",
                         "ExceptionDetails"}
    assert body["ExceptionType"] == "IPPException"
    assert body["ExceptionMessageID"].startswith(body["ExceptionFaultCode"] + "_")
    if code:
        assert body["ExceptionFaultCode"] == code
    assert says in body["ExceptionMessage"], body["ExceptionMessage"]
    return body


def new_employee(**overrides) -> dict:
    """An EmployeeCreateDTO body, value-wrapped (docs/vendors/visma.md §4 Writes)."""
    body = {"employeeCd": {"value": "5001"}, "department": {"value": "IT"}, "employeeClass": {"value": "EMPSAL"},
            "branch": {"value": "1"}, "calendar": {"value": "MAIN"}, "status": {"value": "Active"},
            "contact": {"firstName": {"value": "Mari"}, "lastName": {"value": "Solheim"},
                        "email": {"value": "mari.solheim@example.no"}},
            "address": {"addressLine1": {"value": "Storgata 1"}, "postalCode": {"value": "0150"},
                        "city": {"value": "Oslo"}, "countryId": {"value": "NO"}}}
    body.update(overrides)
    return body


# --- shapes -----------------------------------------------------------------------------------------
def test_it_validates_the_specs_definitions_and_rejects_a_broken_body(swagger):
    # Guards against a validator that accepts anything (an unresolved $ref would).
    assert swagger["basePath"] == "/API" and "/controller/api/v1/employee" in swagger["paths"]
    assert_valid(swagger, "EmployeeDto", {"employeeId": 1, "status": "Active", "contact": {"title": "Ms"}})
    assert list(validator(swagger, "EmployeeDto").iter_errors({"status": "Sleeping"}))
    assert list(validator(swagger, "EmployeeDto").iter_errors({"contact": {"title": "Sir"}}))
    assert list(validator(swagger, "AccountDto").iter_errors({"type": "Equity"}))


def test_it_serves_employees_as_the_contract_and_the_2016_swagger_say(api, swagger):
    rows = api.get("v1/employee", pageNumber=1, pageSize=5).json()
    one = api.get("v1/employee/1001")

    assert len(rows) == 5
    for employee in rows + [one.json()]:
        assert set(employee) <= EMPLOYEE_FIELDS, set(employee) - EMPLOYEE_FIELDS
        assert EMPLOYEE_FIELDS - {"errorInfo", "metadata"} <= set(employee)
        assert set(employee["contact"]) <= EMPLOYEE_CONTACT_FIELDS
        assert set(employee["address"]) <= ADDRESS_FIELDS
        assert_valid(swagger, "EmployeeDto", employee)
    employee = one.json()
    assert employee["employeeId"] == 1001 and "metadata" not in employee
    assert set(employee["employeeClass"]) == {"id", "description"} and set(employee["branch"]) == {"number", "name"}
    assert one.headers["ETag"] == f'"{employee["timeStamp"]}"'
    assert len(base64.b64decode(employee["timeStamp"])) == 8  # a SQL rowversion, like "AAAAAE0YIiI="


@pytest.mark.parametrize("path, key, definition, required, contract_fields", RESOURCES,
                         ids=[r[0] for r in RESOURCES])
def test_it_serves_each_resource_as_the_contract_and_the_2016_swagger_say(api, swagger, path, key, definition,
                                                                         required, contract_fields):
    rows = api.get(path, pageNumber=1, pageSize=3, lastModifiedDateTime="2000-01-01",
                   lastModifiedDateTimeCondition=">").json()
    one = api.get(f"{path}/{key}")

    assert one.status_code == 200, one.text
    assert len(rows) == 3
    # §5: every resource has a timeStamp (the ETag); §7: list items carry metadata.
    allowed = contract_fields | declared(swagger, definition) | {"timeStamp", "metadata"}
    for record in rows + [one.json()]:
        assert required <= set(record), required - set(record)
        assert set(record) <= allowed, set(record) - allowed
        assert_valid(swagger, definition, record)
    assert one.headers["ETag"] == f'"{one.json()["timeStamp"]}"'


def test_it_serves_cost_centres_as_values_of_a_subaccount_segment(api, swagger):
    dimensions = api.get("v1/dimension").json()
    dimension = api.get("v1/dimension/Subaccount").json()  # ONIT sends "Subaccount"; matched case-insensitively
    segment = api.get("v1/dimension/SUBACCOUNT/2")
    value = api.get("v1/dimension/SUBACCOUNT/2/1000")

    assert {d["id"] for d in dimensions} >= {"SUBACCOUNT"}
    assert set(dimension) == DIMENSION_FIELDS and dimension["id"] == "SUBACCOUNT"
    assert_valid(swagger, "DtoDimension", dimension)
    assert set(segment.json()) == SEGMENT_FIELDS
    assert segment.json()["description"] == "Cost centre"
    assert segment.headers["ETag"] == f'"{segment.json()["timeStamp"]}"'
    assert_valid(swagger, "DtoSegment", segment.json())
    assert set(value.json()) == SEGMENT_VALUE_FIELDS
    assert value.json()["valueId"] == "1000" and value.json()["description"] == "Oslo"
    assert_valid(swagger, "DtoSegmentValue", value.json())
    by_public_id = api.get(f"v1/dimension/SUBACCOUNT/2/publicid/{value.json()['publicId']}").json()
    assert by_public_id == value.json()
    subaccount = api.get("v1/subaccount/10-1000").json()
    assert [set(s) for s in subaccount["segments"]] == [SUBACCOUNT_SEGMENT_FIELDS] * 2
    assert [s["segmentValue"] for s in subaccount["segments"]] == ["10", "1000"]
    assert_ipp_exception(api.get("v1/dimension/SUBACCOUNT/2/9999"), 404, "404")
    assert_ipp_exception(api.get("v1/dimension/NOPE"), 404, "404")


def test_it_serves_the_legacy_prefix_on_the_same_handlers(api):
    current = api.get("v1/employee", pageNumber=1, pageSize=3).json()
    legacy = api.get("API/controller/api/v1/employee", pageNumber=1, pageSize=3).json()
    legacy_journal = api.get("API/controller/api/v2/journaltransaction/000001")

    assert legacy == current
    assert legacy_journal.status_code == 200
    assert api.get("v2/employee").status_code == 404  # employee is a v1 resource only


# --- paging and deltas (§7) ---------------------------------------------------------------------------
def test_it_pages_with_metadata_on_every_item_and_clamps_the_page_size(api, visma):
    visma.seed(employees=2345)

    first = api.get("v1/employee", pageNumber=1, pageSize=5000)
    last = api.get("v1/employee", pageNumber=3, pageSize=5000).json()
    beyond = api.get("v1/employee", pageNumber=4, pageSize=1000).json()

    assert first.headers["Content-Type"].startswith("application/json")
    assert "ETag" not in first.headers  # lists carry no ETag; each item has its timeStamp (§5)
    assert isinstance(first.json(), list) and len(first.json()) == UNCONFIRMED["max_page_size"] == 1000
    assert {json.dumps(e["metadata"], sort_keys=True) for e in first.json() + last} == {
        json.dumps({"maxPageSize": 1000, "totalCount": 2345}, sort_keys=True)}
    assert len(last) == 345 and beyond == []
    assert len(api.get("v1/employee").json()) == UNCONFIRMED["default_page_size"]
    assert_ipp_exception(api.get("v1/employee", pageNumber=0, pageSize=10), 400)


def test_it_filters_a_delta_with_each_condition_and_every_accepted_format(api, visma):
    visma.seed(employees=300)
    everyone = [e for n in (1, 2) for e in api.get("v1/employee", pageNumber=n, pageSize=150).json()]
    stamps = [e["lastModifiedDateTime"] for e in everyone]
    pivot = stamps[100]

    def delta(condition, value=pivot):
        return api.get("v1/employee", pageNumber=1, pageSize=1000, lastModifiedDateTime=value,
                       lastModifiedDateTimeCondition=condition).json()

    assert stamps == sorted(stamps)  # delta order: lastModifiedDateTime, then key
    assert [e["employeeId"] for e in delta(">=")] == [e["employeeId"] for e in everyone[100:]]
    assert len(delta(">")) == 199 and len(delta("<")) == 100 and len(delta("<=")) == 101
    day = pivot[:10]
    expected_from_day = sum(1 for s in stamps if s >= day)
    for accepted in (day, f"{day} 00:00:00", f"{day} 00:00:00.000", f"{day}T00:00:00", f"{day}T00:00:00.0"):
        assert len(delta(">=", accepted)) == expected_from_day, accepted


def test_it_pages_a_delta_deterministically(api, visma):
    visma.seed(employees=250)
    since = api.get("v1/employee", pageNumber=1, pageSize=1).json()[0]["lastModifiedDateTime"]

    pages = [api.get("v1/employee", pageNumber=n, pageSize=40, lastModifiedDateTime=since,
                     lastModifiedDateTimeCondition=">=").json() for n in range(1, 8)]
    again = [api.get("v1/employee", pageNumber=n, pageSize=40, lastModifiedDateTime=since,
                     lastModifiedDateTimeCondition=">=").json() for n in range(1, 8)]

    ids = [e["employeeId"] for page in pages for e in page]
    assert pages == again and len(ids) == len(set(ids)) == 250


def test_it_refuses_a_half_delta_and_bad_values_with_an_ipp_exception(api):
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-01-01"), 400, "400", "mutually inclusive")
    assert_ipp_exception(api.get("v1/customer", lastModifiedDateTimeCondition=">"), 400, "400", "mutually inclusive")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-01-01",
                                 lastModifiedDateTimeCondition="=="), 400, "400", "not one of")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="01.02.2026",
                                 lastModifiedDateTimeCondition=">"), 400, "400", "Accepted formats")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-02-30",
                                 lastModifiedDateTimeCondition=">"), 400, "400", "not a valid date")


def test_it_needs_a_period_or_a_date_for_v2_journal_transactions(api):
    assert_ipp_exception(api.get("v2/journaltransaction"), 400, "400", "periodId or lastModifiedDateTime")
    period = api.get("v2/journaltransaction/000001").json()["financialPeriod"]
    by_period = api.get("v2/journaltransaction", periodId=period, pageSize=100).json()
    since = api.get("v2/journaltransaction", lastModifiedDateTime="2000-01-01", pageSize=100).json()

    assert by_period and {t["financialPeriod"] for t in by_period} == {period}
    assert len(since) == 12  # no Condition parameter on v2: the date means "since"


# --- writes (§4 Writes, §5) -----------------------------------------------------------------------------
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


# --- gateway behaviour (§3, §6) -----------------------------------------------------------------------------
def test_it_rate_limits_with_retry_after_and_rate_headers(api, visma):
    visma.limiter.limit = 2

    first, second, third = (api.get("v1/employee/1001") for _ in range(3))

    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert first.headers["X-RateLimit-Policy"] == "4-fixed-window"
    assert 0 < int(first.headers["X-RateLimit-Reset"]) <= 3600
    assert third.status_code == 429
    assert 0 < int(third.headers["Retry-After"]) <= 3600
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert third.json() == {"statusCode": 429,
                            "message": f"Rate limit is exceeded. Try again in {third.headers['Retry-After']} seconds."}


def test_it_accepts_but_checks_ipp_company_id(sandbox):
    assert Api(sandbox, company_id=DEMO_COMPANY_ID).get("v1/employee/1001").status_code == 200
    assert_ipp_exception(Api(sandbox, company_id="999").get("v1/employee/1001"), 400, "12002", "ipp-company-id")


# --- webhooks (§10) -------------------------------------------------------------------------------------
@pytest.fixture
def receiver():
    receivers = []

    def start(statuses=None):
        receivers.append(WebhookReceiver(statuses))
        return receivers[-1]

    yield start
    for started in receivers:
        started.close()


def test_it_delivers_signed_webhooks_after_a_write(api, visma, sandbox, receiver):
    hooks = receiver()
    registered = requests.post(f"{sandbox.url}/visma/_webhooks", json={
        "url": hooks.url, "events": ["employee.*"], "secret": "signing-key-1"}, timeout=5)
    requests.post(f"{sandbox.url}/visma/_webhooks", json={
        "url": hooks.url, "events": ["customer.changed"], "secret": "other"}, timeout=5)

    api.post("v1/employee", new_employee())
    api.put("v1/employee/5001", {"contact": {"phone1": {"value": "+47 900 00 000"}}})

    assert registered.status_code == 201 and "secret" not in registered.json()
    assert visma.flush_webhooks(5)
    assert len(hooks.received) == 2  # the customer.changed subscription wanted neither
    for delivery, event in zip(hooks.received, ("employee.created", "employee.changed")):
        expected = base64.b64encode(hmac.new(b"signing-key-1", delivery.body, hashlib.sha256).digest()).decode()
        assert delivery.headers["x-vwd-signature-v1"] == expected
        payload = json.loads(delivery.body)
        assert set(payload) == set(UNCONFIRMED["webhook_payload"])
        assert payload["event"] == event and payload["entity"] == "employee" and payload["id"] == "5001"
        assert payload["tenantId"] == DEMO_CREDENTIALS["tenant_id"]
    assert [d["attempt"] for d in visma.webhook_deliveries] == [1, 1]


def test_it_retries_a_failed_webhook_delivery_and_then_gives_up(api, visma, receiver):
    flaky, down = receiver([500, 503]), receiver([500, 500, 500, 500])
    visma.webhook_policy["backoff_seconds"] = 0.05
    visma.subscribe(flaky.url, ["customer.*"], "k1")
    visma.subscribe(down.url, ["*"], "k2")

    started = time.monotonic()
    api.put("v1/customer/10001", {"name": {"value": "Retry AS"}})

    assert visma.flush_webhooks(5)
    assert time.monotonic() - started >= 0.05 + 0.1  # backoff doubles between attempts
    attempts = {(d["url"], d["attempt"]): (d["status"], d["delivered"]) for d in visma.webhook_deliveries}
    assert attempts == {(flaky.url, 1): (500, False), (flaky.url, 2): (503, False), (flaky.url, 3): (200, True),
                        (down.url, 1): (500, False), (down.url, 2): (500, False), (down.url, 3): (500, False)}
    assert len({d["notification_id"] for d in visma.webhook_deliveries if d["url"] == flaky.url}) == 1
    assert len(down.received) == UNCONFIRMED["webhook_retry_policy"]["attempts"]


# --- data generator and persistence ---------------------------------------------------------------------------
def test_it_seeds_a_hundred_thousand_employees(api, visma):
    # How fast is a benchmark's business (benchmarks/), not a timed unit test's: this checks the result.
    visma.seed(employees=100_000)

    assert api.get("v1/employee/101000").json()["employeeId"] == 101000
    last_page = api.get("v1/employee", pageNumber=100, pageSize=1000).json()
    assert len(last_page) == 1000 and last_page[0]["metadata"]["totalCount"] == 100_000


def test_it_seeds_the_same_records_from_the_same_seed(visma):
    visma.seed(employees=40, seed=11)
    once = visma.dump_state()["data"]["tables"]["employees"]
    visma.seed(employees=40, customers=99, seed=11)  # more customers do not change the employees
    again = visma.dump_state()["data"]["tables"]["employees"]
    visma.seed(employees=40, seed=12)
    other = visma.dump_state()["data"]["tables"]["employees"]

    strip = [{k: v for k, v in e.items() if k != "timeStamp"} for e in once]
    assert strip == [{k: v for k, v in e.items() if k != "timeStamp"} for e in again]
    assert strip != [{k: v for k, v in e.items() if k != "timeStamp"} for e in other]


def test_it_dumps_and_restores_its_state_across_a_restart(api, visma):
    api.post("v1/employee", new_employee())
    visma.subscribe("http://127.0.0.1:9/hooks", ["*"], "k")

    state = json.loads(json.dumps(visma.dump_state()))  # what the runner writes to disk
    restarted = VismaSandbox(Clock(), RequestLog())
    restarted.load_state(state)

    assert restarted.record("employee", "5001") == visma.record("employee", "5001")
    assert restarted.data.render_segment("SUBACCOUNT", restarted.data.segment("SUBACCOUNT", 2)) == \
        visma.data.render_segment("SUBACCOUNT", visma.data.segment("SUBACCOUNT", 2))
    assert [(s["url"], s["secret"]) for s in restarted.webhook_subscriptions] == [("http://127.0.0.1:9/hooks", "k")]
    def version(stamp):
        return int.from_bytes(base64.b64decode(stamp), "big")

    assert version(restarted.data.row_version()) > version(visma.record("employee", "5001")["timeStamp"])
    assert restarted.data.next("batch_number") == 13  # numbering continues, no reused keys
