"""The monday sandbox against monday's official SDL (specs/monday/schema.graphql).

Every query is validated with `graphql.validate` against a schema built here from the spec file,
independently of the sandbox. A response is checked by executing the same query over the
response itself: the schema then re-serialises every scalar and enum and enforces non-null, and
the result must equal the response exactly (no missing, extra or mistyped field).
"""

import graphql
import pytest
import requests

from connections.vendors import get_vendor
from connections.vendors.monday.documents import BOARDS as BOARDS_QUERY
from connections.vendors.monday.documents import CHECK as CHECK_QUERY
from sandbox.core import SPECS_DIR
from sandbox.vendors.monday import DEMO_TOKEN, RESTRICTED_TOKEN, UNCONFIRMED

SPECS = SPECS_DIR
SDL = SPECS / "monday" / "schema.graphql"


@pytest.fixture(scope="module")
def schema():
    return graphql.build_schema(SDL.read_text(encoding="utf-8"))


def post(sandbox, query, variables=None, token=DEMO_TOKEN, **headers):
    payload = {"query": query, **({"variables": variables} if variables else {})}
    return requests.post(f"{sandbox.url}/monday/v2", json=payload, timeout=5,
                         headers={"Authorization": token, "API-Version": "2026-10", **headers})


def assert_valid(schema, query):
    errors = graphql.validate(schema, graphql.parse(query))
    assert errors == [], [error.message for error in errors]


def assert_conforms(schema, query, variables, data):
    def from_response(source, info, **args):
        return source[info.path.key]

    replayed = graphql.graphql_sync(schema, query, root_value=data, variable_values=variables,
                                    field_resolver=from_response)
    assert replayed.errors is None, [error.message for error in replayed.errors]
    assert replayed.data == data


def test_the_clients_queries_are_valid_against_the_sdl(schema, make_sandbox_connection, sandbox):
    client = get_vendor("monday").client_for(make_sandbox_connection("monday"))
    client.check_connection()
    client.boards_with_columns(["1800000001"])

    sent = [entry.body["query"] for entry in sandbox.app.log.filter(vendor="monday")]

    assert sent == [CHECK_QUERY, BOARDS_QUERY]
    for query in sent:
        assert_valid(schema, query)


def test_me_answers_in_monday_s_envelope(schema, sandbox):
    query = "query { me { id name email account { id name } } }"
    assert_valid(schema, query)

    response = post(sandbox, query)

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"data", "extensions", "account_id"}  # docs/vendors/monday.md §2
    assert body["account_id"] == 9100001 and body["extensions"]["request_id"]
    assert_conforms(schema, query, None, body["data"])
    assert body["data"]["me"]["account"] == {"id": "9100001", "name": "Northwind Demo"}
    # IETF draft rate-limit headers on every call (docs/vendors/monday.md §6).
    assert response.headers["RateLimit-Policy"].startswith('"minuteRate";q=2500;w=60, "concurrency";q=100')
    assert response.headers["RateLimit"].startswith('"minuteRate";r=2499, "concurrency";r=99, "complexityMinute";r=')


def test_boards_with_columns_match_the_schema(schema, sandbox):
    query = ("query ($ids: [ID!], $types: [ColumnType!]) { boards(ids: $ids) { id name state board_kind "
             "items_count url creator { id name } columns(types: $types) { id title type archived settings "
             "settings_str revision } } }")
    variables = {"ids": ["1800000001", "1800000002"], "types": ["status", "date"]}
    assert_valid(schema, query)

    data = post(sandbox, query, variables).json()["data"]

    assert_conforms(schema, query, variables, data)
    assert [(b["name"], [c["id"] for c in b["columns"]]) for b in data["boards"]] == [
        ("Employees", ["status", "date4"]), ("Onboarding", ["status"])]


def test_boards_are_paged_by_number_and_hide_archived_ones(schema, sandbox):
    query = "query ($page: Int, $state: State) { boards(limit: 1, page: $page, state: $state) { id name state } }"
    assert_valid(schema, query)

    pages = [post(sandbox, query, {"page": page}).json()["data"]["boards"] for page in (1, 2, 3)]
    everything = post(sandbox, query, {"page": 3, "state": "all"}).json()["data"]["boards"]

    assert [[b["name"] for b in page] for page in pages] == [["Employees"], ["Onboarding"], []]
    assert everything == [{"id": "1800000003", "name": "Hires 2023", "state": "archived"}]


def test_an_invalid_query_gets_a_graphql_validation_error(schema, sandbox):
    query = "query { me { id nope } }"
    assert graphql.validate(schema, graphql.parse(query))  # the spec rejects it too

    response = post(sandbox, query)

    assert response.status_code == UNCONFIRMED["validation_error_http_status"]
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Cannot query field 'nope' on type 'User'. Did you mean 'name'?"
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 17}]


def test_a_restricted_user_gets_user_unauthorized_in_a_200(schema, sandbox):
    response = post(sandbox, CHECK_QUERY, token=RESTRICTED_TOKEN)

    body = response.json()
    assert response.status_code == 200  # application-level error (docs/vendors/monday.md §2)
    assert body["data"] == {"me": None}
    assert body["errors"] == [{
        "message": "User unauthorized to perform action", "locations": [{"line": 1, "column": 15}], "path": ["me"],
        "extensions": {"code": "UserUnauthorizedException", "error_data": {}, "status_code": 403}}]


def test_an_unknown_token_gets_401_and_bearer_is_accepted(sandbox):
    refused = post(sandbox, CHECK_QUERY, token="not-a-token")
    bearer = post(sandbox, CHECK_QUERY, token=f"Bearer {DEMO_TOKEN}")

    assert (refused.status_code, refused.json()) == (401, UNCONFIRMED["unauthorized_body"])
    assert bearer.status_code == 200 and bearer.json()["data"]["me"]["name"] == "Ada Admin"


def test_the_minute_limit_answers_429_with_retry_after(sandbox):
    sandbox.app["monday"].limiter.limit = 1
    post(sandbox, CHECK_QUERY)

    response = post(sandbox, CHECK_QUERY)

    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json() == {"errors": [{"message": "Minute limit rate exceeded", "extensions": {
        "code": "RATE_LIMIT_EXCEEDED", "status_code": 429, "retry_in_seconds": retry_after}}]}
    assert response.headers["RateLimit"].startswith(f'"minuteRate";r=0;t={retry_after}')


def test_the_complexity_budget_is_reported_and_then_exhausted(schema, sandbox):
    query = "query { complexity { before after query reset_in_x_seconds } }"
    assert_valid(schema, query)
    sandbox.app["monday"].complexity.limit = 8  # this query costs 5 points

    first = post(sandbox, query).json()["data"]
    exhausted = post(sandbox, query)

    assert_conforms(schema, query, None, first)
    assert first["complexity"] == {"before": 8, "after": 3, "query": 5, "reset_in_x_seconds": 60}
    assert exhausted.status_code == 429
    assert exhausted.headers["Retry-After"] == "60"
    # The API ≥ 2025-07 body (docs/vendors/monday.md §6).
    assert exhausted.json()["errors"] == [{"message": "Complexity budget exhausted", "extensions": {
        "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 60}}]


def test_api_versions_are_checked_for_form_only(schema, sandbox):
    malformed = post(sandbox, CHECK_QUERY, **{"API-Version": "latest"})
    unknown = post(sandbox, CHECK_QUERY, **{"API-Version": "2099-01"})

    assert malformed.status_code == 200
    assert malformed.json()["errors"][0]["extensions"]["code"] == "InvalidVersionException"
    assert_conforms(schema, CHECK_QUERY, None, unknown.json()["data"])


def test_a_body_that_is_not_json_is_a_400(sandbox):
    response = requests.post(f"{sandbox.url}/monday/v2", data="{query", timeout=5,
                             headers={"Authorization": DEMO_TOKEN, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "JsonParseException"
