"""Swagger 2.0 → OpenAPI 3.0, for the vendors that publish only the older format (Power BI's swagger.json), so
openapi-core can validate sandbox traffic against them as it does for the others. Covers what those specs use:
path, query and body parameters, JSON responses, `#/definitions` and `#/parameters` references."""
from __future__ import annotations

import json

PARAMETER_KEYS = ("type", "format", "enum", "minimum", "maximum", "pattern", "items", "default")


def _refs_to_components(node):
    return json.loads(json.dumps(node).replace('"#/definitions/', '"#/components/schemas/'))


def _operation(operation: dict, shared: list[dict], global_parameters: dict) -> dict:
    converted = {k: operation[k] for k in ("operationId", "summary") if k in operation}
    parameters = []
    for parameter in [*shared, *operation.get("parameters", [])]:
        if "$ref" in parameter:
            parameter = global_parameters[parameter["$ref"].rsplit("/", 1)[-1]]
        if parameter["in"] == "body":
            converted["requestBody"] = {"required": parameter.get("required", False),
                                        "content": {"application/json": {"schema": parameter["schema"]}}}
            continue
        parameters.append({"name": parameter["name"], "in": parameter["in"],
                           "required": parameter.get("required", parameter["in"] == "path"),
                           "schema": {k: parameter[k] for k in PARAMETER_KEYS if k in parameter}})
    converted["parameters"] = parameters
    responses = {}
    for status, response in operation.get("responses", {}).items():
        responses[status] = {"description": response.get("description", "")}
        if "schema" in response:
            responses[status]["content"] = {"application/json": {"schema": response["schema"]}}
    converted["responses"] = responses
    return converted


def openapi3(swagger: dict, server_url: str, paths: list[str]) -> dict:
    """The given paths of a Swagger 2.0 document as an OpenAPI 3.0 document served at `server_url`."""
    converted_paths = {}
    for path in paths:
        item = swagger["paths"][path]
        shared = item.get("parameters", [])
        converted_paths[path] = {method: _operation(operation, shared, swagger.get("parameters", {}))
                                 for method, operation in item.items() if method != "parameters"}
    return _refs_to_components({
        "openapi": "3.0.3",
        "info": swagger["info"],
        "servers": [{"url": server_url}],
        "paths": converted_paths,
        "components": {"schemas": swagger["definitions"]},
    })
