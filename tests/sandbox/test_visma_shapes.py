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

import pytest

from tests.support.visma_api import (  # noqa: F401  (api, swagger: fixtures)
    EMPLOYEE_FIELDS,
    api,
    assert_ipp_exception,
    assert_valid,
    declared,
    swagger,
    validator,
)

# docs/vendors/visma.md §4 "Response shapes", field names exact.
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
