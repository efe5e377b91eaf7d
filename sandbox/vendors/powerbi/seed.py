"""The datasets the sandbox workspace starts with: the spec's own SalesMarketing push example, a second push
dataset, and an imported model (refreshable, rows cannot be pushed) for the refresh endpoints."""
from __future__ import annotations

from sandbox.vendors.powerbi.contract import UNCONFIRMED
from sandbox.vendors.powerbi.store import Dataset, StoredTable, table_definition

PUSH = {"addRowsAPIEnabled": True, "isRefreshable": False, "isEffectiveIdentityRequired": False,
        "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False,
        "targetStorageMode": UNCONFIRMED["push_target_storage_mode"]}
IMPORTED = {"addRowsAPIEnabled": False, "isRefreshable": True, "isEffectiveIdentityRequired": False,
            "isEffectiveIdentityRolesRequired": False, "isOnPremGatewayRequired": False, "targetStorageMode": "Abf"}
IMPORTED_DATASET_ID = "5c2a8e0b-1d4f-4a3e-9b7c-0000000d5e03"

# Datasets_PostDatasetInGroup's x-ms-examples request (docs/vendors/powerbi.md §3).
PRODUCT = {"name": "Product", "columns": [
    {"name": "ProductID", "dataType": "Int64"}, {"name": "Name", "dataType": "string"},
    {"name": "Category", "dataType": "string"}, {"name": "IsCompete", "dataType": "bool"},
    {"name": "ManufacturedOn", "dataType": "DateTime"},
    {"name": "Sales", "dataType": "Int64", "formatString": "Currency"}]}
HEADCOUNT = {"name": "Headcount", "columns": [
    {"name": "Department", "dataType": "String"}, {"name": "Employees", "dataType": "Int64"}]}


def seed_datasets(workspace_id: str) -> list[Dataset]:
    rows = [
        ("cfafbeb1-8037-4d0c-896e-a46fb27ff229", "SalesMarketing", "john@contoso.com", PUSH, "basicFIFO", [PRODUCT]),
        ("5c2a8e0b-1d4f-4a3e-9b7c-0000000d5e02", "HR Headcount", "anna@contoso.com", PUSH, "None", [HEADCOUNT]),
        (IMPORTED_DATASET_ID, "Finance Actuals", "anna@contoso.com", IMPORTED, "None", []),
    ]
    return [
        Dataset(workspace_id, {
            "id": dataset_id, "name": name,
            "webUrl": f"https://app.powerbi.com/groups/{workspace_id}/datasets/{dataset_id}",
            "configuredBy": owner, **kind,
        }, tables={t["name"]: StoredTable(table_definition(t)) for t in tables}, default_retention_policy=retention)
        for dataset_id, name, owner, kind, retention, tables in rows
    ]
