"""Push datasets in the Power BI sandbox (docs/vendors/powerbi.md §3–§7): every request and response checked
against swagger.json (tests/sandbox/powerbi_api.py)."""
import pytest

from sandbox.vendors.powerbi import UNCONFIRMED, VIEWER_CREDENTIALS, WORKSPACE_ID
from sandbox.vendors.powerbi.api import ROUTES
from sandbox.vendors.powerbi.seed import IMPORTED_DATASET_ID
from tests.sandbox.powerbi_api import PowerBIApi, token_for

INVOICES = {"name": "Invoices", "columns": [
    {"name": "InvoiceNumber", "dataType": "string"}, {"name": "Supplier", "dataType": "String"},
    {"name": "Amount", "dataType": "Double", "formatString": "Currency"}, {"name": "Paid", "dataType": "bool"},
    {"name": "DueDate", "dataType": "DateTime"}, {"name": "Lines", "dataType": "Int64"}],
    "measures": [{"name": "Open AP", "expression": "CALCULATE(SUM(Invoices[Amount]), Invoices[Paid] = FALSE())"}]}
SUPPLIERS = {"name": "Suppliers", "columns": [{"name": "Supplier", "dataType": "string"},
                                              {"name": "Country", "dataType": "string"}]}
DATASET = {"name": "Finance", "defaultMode": "Push", "tables": [INVOICES, SUPPLIERS], "relationships": [
    {"name": "InvoiceSupplier", "fromTable": "Invoices", "fromColumn": "Supplier", "toTable": "Suppliers",
     "toColumn": "Supplier", "crossFilteringBehavior": "OneDirection"}]}
ROW = {"InvoiceNumber": "SI-1", "Supplier": "Acme", "Amount": 125.5, "Paid": False,
       "DueDate": "2026-12-31T00:00:00Z", "Lines": 3}


@pytest.fixture
def api(sandbox):
    return PowerBIApi(sandbox.url, token_for(sandbox.url))


@pytest.fixture
def dataset_id(api):
    response = api.call("POST", params={"defaultRetentionPolicy": "None"}, json=DATASET)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_it_creates_a_push_dataset_with_its_schema(api, dataset_id, sandbox):
    created = api.call("GET", f"/{dataset_id}").json()
    tables = api.call("GET", f"/{dataset_id}/tables").json()

    assert created["name"] == "Finance" and created["addRowsAPIEnabled"] is True
    assert [t["name"] for t in tables["value"]] == ["Invoices", "Suppliers"]
    invoices = tables["value"][0]
    assert [c["dataType"] for c in invoices["columns"]] == ["String", "String", "Double", "Boolean", "DateTime",
                                                            "Int64"]
    assert invoices["measures"][0]["name"] == "Open AP"
    stored = sandbox.app["powerbi"].datasets[dataset_id]
    assert stored.default_retention_policy == "None" and stored.relationships[0]["toTable"] == "Suppliers"
    assert dataset_id in [d["id"] for d in api.call("GET").json()["value"]]


def test_the_create_answer_carries_the_retention_policy(api):
    response = api.call("POST", params={"defaultRetentionPolicy": "basicFIFO"}, json=DATASET)

    assert response.status_code == 201
    assert response.json()["defaultRetentionPolicy"] == "basicFIFO"


@pytest.mark.parametrize("body, target, text", [
    ({**DATASET, "compatibilityLevel": 1550}, "dataset", "The property 'compatibilityLevel' does not exist"),
    ({**DATASET, "tables": [{"name": "T", "columns": [{"name": "a", "datatype": "string"}]}]}, "T",
     "The property 'datatype' does not exist"),
    ({**DATASET, "tables": [{"name": "T", "columns": [{"name": "a", "dataType": "Money"}]}]}, "a",
     "unknown dataType"),
    ({**DATASET, "tables": [{"name": "T", "columns": [{"name": f"c{n}", "dataType": "Int64"} for n in range(76)]}]},
     "T", "at most 75"),
    ({**DATASET, "relationships": [{**DATASET["relationships"][0], "toColumn": "Nope"}]}, "InvoiceSupplier",
     "not a column"),
])
def test_it_refuses_a_bad_schema_with_details(api, body, target, text):
    response = api.call("POST", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["details"][0]["target"] == target and text in error["details"][0]["message"]


def test_my_workspace_is_refused_to_a_service_principal_unless_allowed(sandbox, monkeypatch):
    mine = PowerBIApi(sandbox.url, token_for(sandbox.url), group_id=None)

    assert mine.call("POST", json=DATASET).status_code == 403
    monkeypatch.setitem(UNCONFIRMED, "service_principal_my_workspace", True)
    created = mine.call("POST", json=DATASET)
    assert created.status_code == 201
    assert mine.call("POST", f"/{created.json()['id']}/tables/Invoices/rows", json={"rows": [ROW]}).status_code == 200
    assert [d["name"] for d in mine.call("GET").json()["value"]] == ["Finance"]


def test_rows_are_kept_summed_and_deleted(api, dataset_id, sandbox):
    rows = [{**ROW, "InvoiceNumber": f"SI-{n}", "Amount": float(n), "Paid": n % 2 == 0} for n in range(1, 11)]

    response = api.call("POST", f"/{dataset_id}/tables/Invoices/rows", json={"rows": rows})

    assert response.status_code == 200 and response.content == b""
    powerbi = sandbox.app["powerbi"]
    assert len(powerbi.table_rows("Finance", "Invoices")) == 10
    assert powerbi.table_sum(dataset_id, "Invoices", "Amount") == 55
    assert powerbi.table_sum(dataset_id, "Invoices", "Amount", where={"Paid": False}) == 25
    assert api.call("DELETE", f"/{dataset_id}/tables/Invoices/rows").status_code == 200
    assert powerbi.table_rows(dataset_id, "Invoices") == []


@pytest.mark.parametrize("row, target", [
    ({**ROW, "Colour": "red"}, "Colour"),
    ({**ROW, "Amount": "125.50"}, "Amount"),
    ({**ROW, "Lines": 2.5}, "Lines"),
    ({**ROW, "Paid": "no"}, "Paid"),
    ({**ROW, "DueDate": "someday"}, "DueDate"),
    ({**ROW, "Supplier": "x" * 4001}, "Supplier"),
    ({**ROW, "Lines": 2**63 - 1}, "Lines"),
])
def test_it_refuses_rows_that_do_not_fit_the_table(api, dataset_id, sandbox, row, target):
    response = api.call("POST", f"/{dataset_id}/tables/Invoices/rows", json={"rows": [ROW, row]})

    assert response.status_code == 400
    assert [d["target"] for d in response.json()["error"]["details"]] == [target]
    assert sandbox.app["powerbi"].table_rows(dataset_id, "Invoices") == []  # nothing of a refused POST is kept


def test_it_refuses_more_than_10000_rows_in_one_post(api, dataset_id):
    response = api.call("POST", f"/{dataset_id}/tables/Suppliers/rows", json={"rows": [{"Supplier": "a"}] * 10_001})

    assert response.status_code == 400
    assert "at most 10,000 rows" in response.json()["error"]["message"]
    assert api.call("POST", f"/{dataset_id}/tables/Suppliers/rows",
                    json={"rows": [{"Supplier": "a"}] * 10_000}).status_code == 200


def test_put_table_replaces_its_columns(api, dataset_id, sandbox):
    api.call("POST", f"/{dataset_id}/tables/Suppliers/rows", json={"rows": [{"Supplier": "Acme", "Country": "NO"}]})
    table = {"name": "Suppliers", "columns": [{"name": "Supplier", "dataType": "string"},
                                              {"name": "Rating", "dataType": "Int64"}]}

    response = api.call("PUT", f"/{dataset_id}/tables/Suppliers", json=table)

    assert response.status_code == 200
    columns = api.call("GET", f"/{dataset_id}/tables").json()["value"][1]["columns"]
    assert [c["name"] for c in columns] == ["Supplier", "Rating"]
    assert sandbox.app["powerbi"].table_rows(dataset_id, "Suppliers") == [{"Supplier": "Acme"}]


def test_a_missing_table_is_item_not_found(api, dataset_id):
    for response in (api.call("PUT", f"/{dataset_id}/tables/invoices", json=INVOICES),  # names are case-sensitive
                     api.call("POST", f"/{dataset_id}/tables/Nope/rows", json={"rows": [ROW]})):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ItemNotFound"
        assert "not found in dataset" in response.json()["error"]["message"]


def test_rows_cannot_be_posted_to_an_imported_dataset(api):
    response = api.call("POST", f"/{IMPORTED_DATASET_ID}/tables/Sales/rows", json={"rows": [ROW]})

    assert response.status_code == 404
    assert "is not Push API dataset" in response.json()["error"]["message"]


def test_refreshes_of_an_imported_model_are_capped_at_8_a_day(api, dataset_id):
    for _ in range(8):
        response = api.call("POST", f"/{IMPORTED_DATASET_ID}/refreshes", json={"notifyOption": "NoNotification"})
        assert response.status_code == 202 and response.headers["x-ms-request-id"]

    ninth = api.call("POST", f"/{IMPORTED_DATASET_ID}/refreshes")

    assert ninth.status_code == 429 and int(ninth.headers["Retry-After"]) > 80_000
    history = api.call("GET", f"/{IMPORTED_DATASET_ID}/refreshes", params={"$top": 3}).json()["value"]
    assert len(history) == 3 and {r["status"] for r in history} == {"Completed"}
    assert history[0]["requestId"] == response.headers["x-ms-request-id"]  # newest first
    assert api.call("POST", f"/{dataset_id}/refreshes").status_code == 400  # a push dataset has no source


MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("group", [WORKSPACE_ID, None])
@pytest.mark.parametrize("rule, methods, endpoint", ROUTES)
def test_every_route_answers_401_without_a_live_token(sandbox, group, rule, methods, endpoint):
    rest = rule.replace("<dataset_id>", MISSING).replace("<table_name>", "Nope")
    expired = token_for(sandbox.url)
    sandbox.app.clock.advance(3600)

    for token in (None, expired):
        response = PowerBIApi(sandbox.url, token, group_id=group).call(methods[0], rest, json={"rows": []})
        assert response.status_code == 401, (endpoint, response.text)


def test_a_viewer_reads_but_may_not_change_anything(sandbox, dataset_id):
    viewer = PowerBIApi(sandbox.url, token_for(sandbox.url, VIEWER_CREDENTIALS))

    assert viewer.call("GET", f"/{dataset_id}/tables").status_code == 200
    for method, rest, body in (("POST", "", DATASET), ("POST", f"/{dataset_id}/tables/Invoices/rows", {"rows": [ROW]}),
                               ("DELETE", f"/{dataset_id}/tables/Invoices/rows", None),
                               ("PUT", f"/{dataset_id}/tables/Invoices", INVOICES)):
        response = viewer.call(method, rest, json=body)
        assert response.status_code == 403
        assert "Viewer role" in response.json()["error"]["message"]
        assert "Member or Admin" in response.json()["error"]["message"]


def test_the_spec_check_refuses_broken_exchanges(sandbox):
    # Guards against a check that accepts anything (an unconverted $ref or a missing path would).
    import json

    from openapi_core.testing import MockRequest, MockResponse

    from tests.sandbox.powerbi_api import openapi_for

    openapi = openapi_for(sandbox.url)
    url = f"/powerbi/v1.0/myorg/groups/{WORKSPACE_ID}/datasets"
    request = MockRequest(sandbox.url, "post", url, data=json.dumps(DATASET), content_type="application/json")
    openapi.validate_request(request)

    with pytest.raises(Exception, match="[Bb]ody"):
        openapi.validate_request(MockRequest(sandbox.url, "post", url, data=json.dumps({"name": "no tables"}),
                                             content_type="application/json"))
    with pytest.raises(Exception, match="is not of type .boolean."):
        openapi.validate_response(request, MockResponse(json.dumps({"id": "x", "addRowsAPIEnabled": "yes"}).encode(),
                                                        status_code=201, content_type="application/json"))


def test_an_unknown_path_without_a_token_is_401_too(sandbox):
    response = PowerBIApi(sandbox.url, None).call("GET", "/nothing/here/at/all")

    assert response.status_code == 401
