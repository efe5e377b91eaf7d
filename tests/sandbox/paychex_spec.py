"""Checking Paychex sandbox answers against the vendor's OpenAPI document and the official samples.

The SPEC's schemas declare no `required` and no `additionalProperties: false`, so they are closed here (refs
inlined, unknown properties refused) to catch a misspelt field. Its 200 schemas describe one item; the
`{metadata, content, links}` envelope around it is its CollectionResource (docs/vendors/paychex.md §3), and
error bodies are `{"errors": [ErrorResource]}`. Where the SPEC contradicts the contract, the contract wins and
the exception is spelt out in `SPEC_CORRECTIONS`.
"""
from __future__ import annotations

import json

import pytest
from openapi_schema_validator import OAS30Validator

from sandbox.core import SPECS_DIR

PAYCHEX_SPECS = SPECS_DIR / "paychex"

# SPEC path → the official sample of its success answer (specs/paychex/SOURCE.md).
SAMPLES = {
    "/auth/oauth/v2/token": "auth.json",
    "/companies": "companies_companies.json",
    "/companies/{companyId}": "companies_company.json",
    "/companies/{companyId}/jobtitles": "job_titles_job_titles.json",
    "/companies/{companyId}/jobs": "jobs_jobs.json",
    "/companies/{companyId}/laborassignments": "labor_assignments_labor_assignments.json",
    "/companies/{companyId}/locations": "locations_locations.json",
    "/companies/{companyId}/organizations": "organizations_organizations.json",
    "/companies/{companyId}/workers": "workers_workers.json",
    "/workers/{workerId}": "workers_worker.json",
    "/workers/{workerId}/compensation/payrates": "pay_rates_pay_rates.json",
}
# Answers that are not a CollectionResource envelope.
PLAIN_BODIES = {"/auth/oauth/v2/token", "/management/domains", "/management/hooks", "/management/hooks/{hookId}"}


def load_spec() -> dict:
    return json.loads((PAYCHEX_SPECS / "openapi.json").read_text())


def sample(name):
    return json.loads((PAYCHEX_SPECS / "samples" / name).read_text())


def closed(spec, schema, seen=()):
    """`schema` with every $ref inlined and unknown properties refused. A schema that contains itself
    (an organization's sub-organizations) is checked down to where it repeats."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return {"type": "object"}
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return closed(spec, node, seen + (schema["$ref"],))
    result = dict(schema)
    if "enum" in schema:
        # Some SPEC enums carry their description in the value ("FLAT_DOLLAR_AMOUNT:This is used for…") while
        # its examples send the bare name: the name is the value.
        result["enum"] = [v.split(":", 1)[0] if isinstance(v, str) else v for v in schema["enum"]]
    if "properties" in schema:
        result["properties"] = {name: closed(spec, sub, seen) for name, sub in schema["properties"].items()}
        result["additionalProperties"] = False
    if "items" in schema:
        result["items"] = closed(spec, schema["items"], seen)
    return result


def component(spec, name):
    return closed(spec, {"$ref": f"#/components/schemas/{name}"})


def assert_valid(schema, body):
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
                for e in OAS30Validator(schema).iter_errors(body)]
    assert not problems, "\n".join(problems)


def error_envelope(item_schema):
    return {"type": "object", "required": ["errors"], "additionalProperties": False,
            "properties": {"errors": {"type": "array", "minItems": 1, "items": item_schema}}}


def success_schema(spec, path, method, schema):
    """The SPEC's schema of a success answer, with the contract's corrections (docs/vendors/paychex.md)."""
    if path == "/auth/oauth/v2/token":
        # SPEC types expires_in as a string; docs and samples send a number (§2).
        schema["properties"]["expires_in"] = {"type": "integer"}
        return schema
    if path == "/management/domains":  # SPEC: a string; contract §8: a plain array of strings
        return {"type": "array", "items": {"type": "string"}}
    if path == "/management/hooks" and method == "get":  # SPEC: no schema; its example is a WebhookResponse array
        return {"type": "array", "items": component(spec, "WebhookResponse")}
    if path in PLAIN_BODIES:
        return schema
    if path == "/companies/{companyId}/workers":
        # The list's WorkerResource lacks workState, links and currentStatus.effectiveDate, which the SPEC's own
        # COMPANIES_WORKERS_GET example and every sample worker carry: the single worker's schema describes them.
        schema = component(spec, "WorkerResourceV2")
    envelope = component(spec, "CollectionResource")
    envelope["properties"]["content"]["items"] = schema
    # The paging block (§5, samples/workers_workers.json) is not in the SPEC's MetadataResource.
    envelope["properties"]["metadata"]["properties"]["pagination"] = {
        "type": "object", "additionalProperties": False, "required": ["offset", "limit", "itemCount", "total"],
        "properties": {k: {"type": "integer"} for k in ("offset", "limit", "itemCount", "total")}}
    return envelope


def assert_matches_operation(spec, path, response, *, method="get", same_as_example=False):
    """The response (a requests.Response) is one the SPEC declares for this operation."""
    return assert_answer_valid(spec, {"operation": path, "method": method, "status": response.status_code,
                                      "content_type": response.headers["Content-Type"], "body": response.text,
                                      "headers": dict(response.headers)}, same_as_example=same_as_example)


def assert_answer_valid(spec, answer, *, same_as_example=False, require_declared=True):
    """One recorded sandbox answer is what the SPEC declares for its operation, in status, media type and body,
    and has the shape of the official sample."""
    path, method, status = answer["operation"], answer["method"], answer["status"]
    assert answer["headers"].get("X-payx-txid")  # Paychex's transaction id (docs/vendors/paychex.md §1)
    if status == 204:
        assert not answer["body"]
        return None
    body = json.loads(answer["body"])
    declared = spec["paths"][path][method]["responses"].get(str(status)) if path else None
    if not declared or not declared.get("content"):
        assert not require_declared, f"{method.upper()} {path} declares no {status} response"
        assert status >= 400, f"{method.upper()} {path}: undeclared success {status}"
        assert_valid(error_envelope(component(spec, "ErrorResource")), body)
        return body
    media_type = answer["content_type"].split(";")[0].strip()
    assert media_type in declared["content"], f"{method.upper()} {path} {status}: {media_type} is not declared"
    content = declared["content"][media_type]
    schema = closed(spec, content.get("schema") or {})
    if status < 400:
        assert_valid(success_schema(spec, path, method, schema), body)
        if path in SAMPLES and (status == 200 or method == "get"):
            assert_sample_shape(body, sample(SAMPLES[path]), media_type)
    else:
        assert_valid(error_envelope(schema), body)
        if same_as_example:
            assert body == content["example"]
    return body


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.fixture
def paychex_answers_valid(sandbox):
    """Every answer the Paychex sandbox gives during the test is checked against the SPEC and the samples."""
    spec = load_spec()
    vendor = sandbox.app["paychex"]
    vendor.recorded = []
    yield vendor.recorded
    answers, vendor.recorded = vendor.recorded, None
    for answer in answers:
        try:
            assert_answer_valid(spec, answer, require_declared=False)
        except AssertionError as error:
            raise AssertionError(f"{answer['method'].upper()} {answer['path']} → {answer['status']}: {error}") from None


def _kind(value):
    return {dict: "object", list: "array", bool: "boolean", str: "string", int: "number", float: "number",
            type(None): "null"}[type(value)]


def assert_same_shape(served, official, where="<body>"):
    """Where the sample and the answer have the same key, they hold the same kind of value, all the way down."""
    assert _kind(served) == _kind(official), f"{where}: {_kind(served)} where the sample has {_kind(official)}"
    if isinstance(served, dict):
        for key in served.keys() & official.keys():
            assert_same_shape(served[key], official[key], f"{where}/{key}")
    elif isinstance(served, list) and served and official:
        for item in served:
            assert_same_shape(item, official[0], f"{where}[]")


def assert_sample_shape(body, official, media_type):
    """Shape compared with the official sample: every key of the sample's envelope, every key each sample item
    carries (default representation only: other profiles leave fields out on purpose), same kinds of values."""
    if not isinstance(official, dict) or "content" not in official:
        assert body.keys() >= official.keys()
        assert_same_shape(body, official)
        return
    assert body.keys() >= official.keys() - {"metadata"}, f"envelope lacks {official.keys() - body.keys()}"
    items = official["content"]
    common = set.intersection(*(set(i) for i in items)) if items else set()
    default_profile = "nonpii" not in media_type and "roster" not in media_type and "communications" not in media_type
    for item in body["content"]:
        if default_profile:
            assert set(item) >= common, f"item lacks {common - set(item)}"
        merged = {}
        for official_item in items:
            merged.update(official_item)
        assert_same_shape(item, merged, "<item>")
