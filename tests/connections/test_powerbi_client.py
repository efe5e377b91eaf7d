"""The Power BI client over real HTTP against the sandbox: datasets from the declared schema, rows, refreshes,
token renewal, the 403 advice, a 429 honoured, and a large backfill paced by the shared limiter with no 429
under the sandbox's real limits on a compressed clock (docs/vendors/powerbi.md §1, §3, §5, §6)."""
import time
import uuid

import pytest

from connections.vendors import get_vendor
from connections.vendors.base import RateLimit
from connections.vendors.errors import VendorPermissionError
from connections.vendors.powerbi.client import PowerBIClient
from connections.vendors.powerbi.schema import VISMA_FINANCE, Column
from connections.vendors.powerbi.validation import schema_validate
from connections.vendors.tokens import MemoryTokenCache, Token
from sandbox.vendors.powerbi import VIEWER_CREDENTIALS
from syncs.ratelimit import SharedRateLimiter

ROW = {"InvoiceId": "SI-1", "SupplierId": "S1", "DocumentDate": "2026-11-01T00:00:00Z", "Amount": 100.0,
       "Balance": 40.0, "Version": 1, "BatchId": "b-1", "Deleted": False}


@pytest.fixture
def connection(make_sandbox_connection):
    return make_sandbox_connection("powerbi")


def client_for(connection, **kwargs) -> PowerBIClient:
    kwargs.setdefault("token_cache", MemoryTokenCache())
    return get_vendor("powerbi").client_for(connection, **kwargs)


def api_statuses(sandbox, path_contains="/v1.0/myorg/"):
    return [(e.method, e.status) for e in sandbox.app.log.filter(vendor="powerbi", path_contains=path_contains)]


def test_it_creates_the_declared_dataset(connection, sandbox):
    client = client_for(connection)

    created = client.create_dataset(VISMA_FINANCE.to_power_bi())

    assert created["name"] == "Visma Finance" and created["defaultRetentionPolicy"] == "None"
    assert client.get_dataset(created["id"])["addRowsAPIEnabled"] is True
    assert schema_validate(client.list_tables(created["id"]), VISMA_FINANCE) == []
    stored = sandbox.app["powerbi"].datasets[created["id"]]
    assert [r["name"] for r in stored.relationships] == ["JournalLineAccount"]
    assert created["id"] in [d["id"] for d in client.list_datasets()]


def test_a_drifted_table_is_applied_with_put_table(connection):
    client = client_for(connection)
    dataset_id = client.create_dataset(VISMA_FINANCE.to_power_bi())["id"]
    invoices = VISMA_FINANCE.table("SupplierInvoices")
    drifted = invoices.to_power_bi()
    drifted["columns"].append(Column("PaymentTerms", "String").to_power_bi())

    client.put_table(dataset_id, drifted)

    [table] = [t for t in client.list_tables(dataset_id) if t["name"] == "SupplierInvoices"]
    assert [c["name"] for c in table["columns"]][-1] == "PaymentTerms"


def test_rows_are_posted_and_deleted(connection, sandbox):
    client = client_for(connection)
    dataset_id = client.create_dataset(VISMA_FINANCE.to_power_bi())["id"]

    client.post_rows(dataset_id, "SupplierInvoices", [ROW, {**ROW, "InvoiceId": "SI-2", "Balance": 2.5}])

    assert sandbox.app["powerbi"].table_sum(dataset_id, "SupplierInvoices", "Balance") == 42.5
    client.delete_rows(dataset_id, "SupplierInvoices")
    assert sandbox.app["powerbi"].table_rows(dataset_id, "SupplierInvoices") == []
    with pytest.raises(ValueError, match="at most 10,000"):
        client.post_rows(dataset_id, "SupplierInvoices", [ROW] * 10_001)


def test_it_refreshes_an_imported_model_and_reads_its_history(connection):
    from sandbox.vendors.powerbi.seed import IMPORTED_DATASET_ID

    client = client_for(connection)

    request_id = client.refresh_dataset(IMPORTED_DATASET_ID)

    [entry] = client.list_refreshes(IMPORTED_DATASET_ID)
    assert entry["requestId"] == request_id and entry["status"] == "Completed"


def test_the_token_is_renewed_before_it_expires(connection, sandbox):
    cache = MemoryTokenCache()
    client = client_for(connection, token_cache=cache)
    client.list_datasets()
    old = cache.get(client.cache_key)
    # A token with a minute left (less than the renewal margin) is replaced before the next call, not after a 401.
    cache.set(client.cache_key, Token(old.value, time.time() + 60))
    client._token = None

    client.list_datasets()

    assert len(sandbox.app.log.filter(vendor="powerbi", path_contains="/oauth2/v2.0/token")) == 2
    assert cache.get(client.cache_key).value != old.value
    assert api_statuses(sandbox) == [("GET", 200), ("GET", 200)]


def test_a_403_names_the_workspace_role_and_the_admin_setting(make_sandbox_connection):
    client = client_for(make_sandbox_connection("powerbi", credentials=dict(VIEWER_CREDENTIALS)))

    with pytest.raises(VendorPermissionError) as caught:
        client.create_dataset(VISMA_FINANCE.to_power_bi())

    message = str(caught.value)
    assert "Viewer role" in message  # Power BI's own words
    assert "Member or Admin role" in message and "'Service principals can use Power BI APIs'" in message
    assert "Admin portal → Tenant settings → Developer settings" in message


def test_a_forced_429_is_honoured_and_the_rows_land_once(connection, sandbox):
    waits = []
    client = client_for(connection, sleep=waits.append)
    dataset_id = client.create_dataset(VISMA_FINANCE.to_power_bi())["id"]
    sandbox.app["powerbi"].faults.fail_next(1, status=429, headers={"Retry-After": "2"})

    client.post_rows(dataset_id, "SupplierInvoices", [ROW])

    assert waits == [2.0]
    assert api_statuses(sandbox, "/rows") == [("POST", 429), ("POST", 200)]
    assert len(sandbox.app["powerbi"].table_rows(dataset_id, "SupplierInvoices")) == 1


def test_a_503_on_a_read_is_retried_after_retry_after(connection, sandbox):
    waits = []
    client = client_for(connection, sleep=waits.append)
    sandbox.app["powerbi"].faults.fail_next(1, status=503, headers={"Retry-After": "3"})

    assert client.list_datasets()

    assert waits == [3.0]


SPEED = 120  # a compressed hour lasts 30 s: longer than pushing a million rows takes here, so pacing shows
BACKFILL_ROWS = 1_050_000


def test_a_large_backfill_is_paced_with_no_429(connection, sandbox):
    powerbi = sandbox.app["powerbi"]
    powerbi.quota_clock.set_speed(SPEED)
    # The client's own declared quotas, on the same compressed time as the sandbox.
    rates = tuple(RateLimit(r.limit, r.seconds / SPEED, r.scope) for r in PowerBIClient.rate_limits)
    limiter = SharedRateLimiter(f"powerbi-test:{uuid.uuid4()}", rates)
    client = client_for(connection, rate_limiter=limiter)
    table = {"name": "Lines", "columns": [{"name": "Id", "dataType": "Int64"}]}
    dataset_id = client.create_dataset({"name": "Backfill", "tables": [table]}, retention="basicFIFO")["id"]

    for start in range(0, BACKFILL_ROWS, 10_000):
        client.post_rows(dataset_id, "Lines", [{"Id": n} for n in range(start, start + 10_000)])

    posts = sandbox.app.log.filter(vendor="powerbi", path_contains="/rows")
    assert [p.status for p in posts] == [200] * (BACKFILL_ROWS // 10_000)
    assert powerbi.quotas.rejected == 0
    assert powerbi.datasets[dataset_id].table("Lines").rows_received == BACKFILL_ROWS
    # The 101st POST (row 1,000,001) may arrive only once the first has left the hour; paced to the full, it
    # arrives right then: within the limiter's 2 % margin.
    hours = (posts[100].at - posts[0].at) * SPEED / 3600
    assert 1.0 <= hours <= 1.04, hours
