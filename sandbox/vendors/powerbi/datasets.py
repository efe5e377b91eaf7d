"""The Power BI sandbox's dataset routes: datasets, their tables and rows, DAX queries and refreshes
(docs/vendors/powerbi.md §3, §5, §6).

`DatasetsMixin` is mixed into `PowerBISandbox` (api.py), which has already checked the token when a
handler runs and provides `workspace_for` (membership and role checks). A handler raises `PowerBIError`
for any refusal; `PowerBISandbox.dispatch` turns it into Power BI's error envelope. Schema and row checks,
and the stored rows, are store.py; push quotas quotas.py.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.powerbi.contract import (
    API_PREFIX,
    LARGE_TABLE_ROWS,
    MAX_REFRESHES_PER_DAY,
    MAX_ROWS_PER_POST,
    UNCONFIRMED,
    PowerBIError,
    bad_request,
)
from sandbox.vendors.powerbi.store import (
    Dataset,
    StoredTable,
    check_properties,
    dataset_schema,
    retention_policy,
    rows_append,
    rows_check,
    table_definition,
)


class DatasetsMixin:
    # --- lookups shared by the handlers -------------------------------------------------------------
    def dataset_for(self, request, group_id, dataset_id, write=False, push=False) -> Dataset:
        workspace = self.workspace_for(request, group_id, write)
        dataset = self.datasets.get(dataset_id.lower())
        if dataset is None or dataset.workspace_id != workspace.id:
            raise PowerBIError(404, "ItemNotFound", f"Dataset {dataset_id} is not found.")
        if push and not dataset.is_push:
            raise PowerBIError(404, "ItemNotFound", f"Dataset {dataset_id} is not Push API dataset.")
        return dataset

    def odata_list(self, request: Request, context_path: str, items: list[dict]) -> Response:
        """OData list wrapper (§2). There is no paging on these lists: the spec gives them no $top/$skip."""
        context = f"{request.host_url.rstrip('/')}{API_PREFIX}/v1.0/myorg/{context_path}"
        return json_response({UNCONFIRMED["odata_context_key"]: context, "value": items})

    # --- datasets (§3) --------------------------------------------------------------------------------
    def list_datasets(self, request, group_id=None):
        workspace = self.workspace_for(request, group_id)
        items = [dict(d.properties) for d in self.datasets.values() if d.workspace_id == workspace.id]
        scope = f"groups/{workspace.id}/" if group_id else ""
        return self.odata_list(request, f"{scope}$metadata#datasets", items)

    def create_dataset(self, request, group_id=None):
        workspace = self.workspace_for(request, group_id, write=True)
        policy = retention_policy(request.args.get("defaultRetentionPolicy"))
        body = self.body_json(request)
        name, tables, relationships = dataset_schema(body)
        mode = body.get("defaultMode", "Push")
        if mode not in ("Push", "PushStreaming", "Streaming"):
            raise bad_request("Bad Request", "defaultMode", f"defaultMode {mode!r} does not create a push dataset.")
        dataset_id = str(uuid.uuid4())
        dataset = Dataset(workspace.id, {
            "id": dataset_id, "name": name, "webUrl": f"https://app.powerbi.com/groups/{workspace.id}/datasets/"
            f"{dataset_id}", "configuredBy": request.environ["powerbi.token"].subject["client_id"],
            "addRowsAPIEnabled": True, "isRefreshable": False, "isEffectiveIdentityRequired": False,
            "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False,
            "targetStorageMode": UNCONFIRMED["push_target_storage_mode"],
            "createdDate": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }, tables={t["name"]: StoredTable(t) for t in tables}, relationships=relationships,
            default_retention_policy=policy)
        self.datasets[dataset_id] = dataset
        return json_response({**dataset.properties, "defaultRetentionPolicy": policy}, 201,
                             {"Location": f"{request.host_url.rstrip('/')}{request.path}/{dataset_id}"})

    def get_dataset(self, request, dataset_id, group_id=None):
        return json_response(dict(self.dataset_for(request, group_id, dataset_id).properties))

    def delete_dataset(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True)
        del self.datasets[dataset.id]
        return Response(b"", 200)

    # --- tables and rows (§3, §5, §6) ----------------------------------------------------------------
    def list_tables(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, push=True)
        scope = f"groups/{dataset.workspace_id}/" if group_id else ""
        return self.odata_list(request, f"{scope}datasets/{dataset.id}/$metadata#tables",
                               [dict(t.definition) for t in dataset.tables.values()])

    def put_table(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        # Only changes an existing table: there is no API to add one to a push dataset (§6).
        table = dataset.table(table_name)
        definition = table_definition(self.body_json(request), table_name)
        if definition["name"] != table_name:
            raise bad_request("Bad Request", table_name, "The table name in the body must match the URL.")
        table.definition = definition
        kept = set(table.column_types())
        table.rows[:] = [{k: v for k, v in row.items() if k in kept} for row in table.rows]
        return json_response(definition)

    def post_rows(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        table = dataset.table(table_name)
        body = self.body_json(request)
        if not isinstance(body, dict) or set(body) - {"rows"} or not isinstance(body.get("rows"), list):
            raise bad_request("Bad Request", "requestMessage", "The body must be {\"rows\": [ … ]}.")
        rows = body["rows"]
        if len(rows) > MAX_ROWS_PER_POST:
            raise PowerBIError(400, UNCONFIRMED["too_many_rows_code"], f"{len(rows)} rows in one request; "
                               f"at most {MAX_ROWS_PER_POST:,} rows can be posted at a time.")
        rows_check(table, rows)
        large = any(len(t.rows) >= LARGE_TABLE_ROWS for t in dataset.tables.values())
        with self.quotas.post(dataset.id, len(rows), large):
            rows_append(dataset, table, rows)
        return Response(b"", 200)

    def delete_rows(self, request, dataset_id, table_name, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True, push=True)
        dataset.table(table_name).rows.clear()  # there is no filter: all rows go (§3)
        return Response(b"", 200)

    def execute_queries(self, request, dataset_id, group_id=None):
        """One DAX query per call (the spec's limit); the sandbox answers row counts only (dax.py)."""
        from sandbox.vendors.powerbi.dax import evaluate

        dataset = self.dataset_for(request, group_id, dataset_id)
        body = self.body_json(request)
        queries = body.get("queries") if isinstance(body, dict) else None
        if not isinstance(queries, list) or len(queries) != 1 or not isinstance(queries[0], dict):
            raise bad_request("Bad Request", "queries", "Exactly one query per request.")
        rows = evaluate(dataset, queries[0].get("query"))
        return json_response({"results": [{"tables": [{"rows": rows}]}]})

    # --- refreshes of imported datasets (§3) ---------------------------------------------------------
    def list_refreshes(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id)
        top = request.args.get("$top", type=int)
        history = [{k: v for k, v in r.items() if not k.startswith("_")} for r in reversed(dataset.refreshes)]
        history = history[:top or 60]  # the spec: "the default is the last available 60 entries"
        scope = f"groups/{dataset.workspace_id}/" if group_id else ""
        return self.odata_list(request, f"{scope}datasets/{dataset.id}/$metadata#refreshes", history)

    def refresh(self, request, dataset_id, group_id=None):
        dataset = self.dataset_for(request, group_id, dataset_id, write=True)
        if request.get_data():
            check_properties(self.body_json(request), "DatasetRefreshRequest", "datasetRefreshRequest")
        if dataset.is_push:
            status, code, text = UNCONFIRMED["push_refresh"]
            raise PowerBIError(status, code, text.format(dataset_id=dataset.id))
        now = self.quota_clock.now()
        today = [r for r in dataset.refreshes if r["_at"] > now - 86400]
        if len(today) >= MAX_REFRESHES_PER_DAY:
            status, code, text = UNCONFIRMED["refresh_cap"]
            wait = today[0]["_at"] + 86400 - now
            raise PowerBIError(status, code, text.format(dataset_id=dataset.id),
                               retry_after=self.quota_clock.real_seconds(wait))
        request_id = str(uuid.uuid4())
        stamp = datetime.fromtimestamp(now, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        dataset.refreshes.append({"_at": now, "refreshType": "ViaApi", "startTime": stamp, "endTime": stamp,
                                  "status": "Completed", "requestId": request_id})
        return Response(b"", 202, {"x-ms-request-id": request_id})
