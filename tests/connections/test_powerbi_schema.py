"""The declared Visma → Power BI schema and the pure checks against it (connections/vendors/powerbi/)."""
from connections.vendors.powerbi.schema import VISMA_FINANCE, Column
from connections.vendors.powerbi.validation import Difference, row_problems, schema_validate

INVOICES = VISMA_FINANCE.table("SupplierInvoices")
ROW = {"InvoiceId": "SI-1", "SupplierId": "S1", "DocumentDate": "2026-11-01T00:00:00Z", "Amount": 100.0,
       "Balance": 40.0, "Version": 1764547200000, "BatchId": "b-1", "Deleted": False}


def existing() -> list[dict]:
    return VISMA_FINANCE.to_power_bi()["tables"]


def test_the_declared_dataset_matches_itself_and_power_bis_spellings():
    tables = existing()
    # Power BI answers with its own spellings of the types (docs/vendors/powerbi.md §4).
    for column in tables[0]["columns"]:
        column["dataType"] = {"String": "string", "Boolean": "bool", "DateTime": "dateTime"}.get(column["dataType"],
                                                                                                  column["dataType"])

    assert schema_validate(tables, VISMA_FINANCE) == []


def test_every_table_is_a_change_log_with_its_key_required():
    for table in VISMA_FINANCE.tables:
        names = [c.name for c in table.columns]
        assert {"Version", "BatchId", "Deleted"} <= set(names), table.name
        assert table.column(table.key).required
        assert len(names) <= 75
    measures = {m["name"] for t in VISMA_FINANCE.tables for m in t.measures}
    assert {"Open AP", "Open AR", "Overdue AP", "Overdue AR"} <= measures


def test_it_names_each_drift():
    tables = [t for t in existing() if t["name"] != "Payments"]
    invoices = tables[0]
    invoices["columns"] = [c for c in invoices["columns"] if c["name"] != "Status"]
    invoices["columns"][0]["dataType"] = "Int64"
    invoices["columns"].append({"name": "Legacy", "dataType": "String"})

    differences = schema_validate(tables, VISMA_FINANCE)

    assert differences == [
        Difference("SupplierInvoices", "InvoiceId", "type_changed", "String", "Int64"),
        Difference("SupplierInvoices", "Status", "missing_column", "String"),
        Difference("SupplierInvoices", "Legacy", "extra_column", found="String"),
        Difference("Payments", "", "missing_table"),
    ]
    assert [str(d) for d in differences][:2] == ["SupplierInvoices[InvoiceId] is Int64, expected String.",
                                                 "SupplierInvoices[Status] is missing (expected String)."]


def test_names_are_compared_case_sensitively():
    tables = existing()
    tables[0]["name"] = "supplierinvoices"

    assert Difference("SupplierInvoices", "", "missing_table") in schema_validate(tables, VISMA_FINANCE)


def test_a_good_row_has_no_problems():
    assert row_problems(INVOICES, ROW) == []
    assert row_problems(INVOICES, {**ROW, "DueDate": None, "Status": "Open"}) == []


def test_it_says_why_a_row_cannot_be_pushed():
    row = {**ROW, "InvoiceId": None, "Amount": "100", "Version": 1.5, "Deleted": "no",
           "DocumentDate": "01.11.2026", "Status": "x" * 4001, "Colour": "red"}

    assert row_problems(INVOICES, row) == [
        "Colour is not a column of SupplierInvoices",
        "InvoiceId is required",
        "DocumentDate '01.11.2026' is not an ISO 8601 date-time",
        "Amount is str, not a number",
        "Status is 4,001 characters long; Power BI takes at most 4,000",
        "Version is float, not a whole number",
        "Deleted is str, not true/false",
    ]


def test_numbers_power_bi_refuses_are_problems():
    assert row_problems(INVOICES, {**ROW, "Amount": float("nan")}) == ["Amount is not a finite number"]
    assert row_problems(INVOICES, {**ROW, "Version": 2**63 - 1}) == ["Version is out of the Int64 range"]
    assert row_problems(INVOICES, {**ROW, "Deleted": 0}) == ["Deleted is int, not true/false"]


def test_a_column_renders_as_power_bi_expects():
    assert Column("Amount", "Double", format_string="#,0.00").to_power_bi() == {
        "name": "Amount", "dataType": "Double", "formatString": "#,0.00"}
