"""The Power BI sandbox's push limits, enforced exactly (docs/vendors/powerbi.md §5): per-POST size, POST rows per
minute and per hour, rows per hour, pending POSTs, basicFIFO trimming, the 5M cap, and the compressed clock."""
import threading
import time

import pytest

from tests.sandbox.powerbi_api import PowerBIApi, assert_error_envelope, token_for

TABLE = {"name": "Lines", "columns": [{"name": "Id", "dataType": "Int64"}, {"name": "Amount", "dataType": "Double"}]}


@pytest.fixture
def api(sandbox):
    return PowerBIApi(sandbox.url, token_for(sandbox.url))


@pytest.fixture
def powerbi(sandbox):
    return sandbox.app["powerbi"]


def create(api, policy="None") -> str:
    response = api.call("POST", params={"defaultRetentionPolicy": policy}, json={"name": "Q", "tables": [TABLE]})
    assert response.status_code == 201
    return response.json()["id"]


def post(api, dataset_id, count, start=0):
    return api.call("POST", f"/{dataset_id}/tables/Lines/rows",
                    json={"rows": [{"Id": start + n, "Amount": 1.0} for n in range(count)]})


def test_the_121st_post_in_a_minute_is_429(api, powerbi):
    dataset_id = create(api)
    powerbi.limiter.limit = None  # the per-principal API limit is another quota; this is the dataset's own
    for n in range(120):
        assert post(api, dataset_id, 1, n).status_code == 200

    refused = post(api, dataset_id, 1, 120)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert_error_envelope(refused.json(), "TooManyRequests")
    assert len(powerbi.table_rows(dataset_id, "Lines")) == 120
    other = create(api)
    assert post(api, other, 1).status_code == 200  # per dataset


def test_rows_per_hour_stop_at_one_million(api, powerbi):
    dataset_id = create(api, "basicFIFO")
    for n in range(100):
        assert post(api, dataset_id, 10_000, n * 10_000).status_code == 200

    refused = post(api, dataset_id, 1)

    assert refused.status_code == 429
    assert "over your rows per hour limit" in refused.json()["error"]["message"]
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    table = powerbi.datasets[dataset_id].table("Lines")
    assert table.rows_received == 1_000_000
    # basicFIFO keeps 200,000–210,000 rows, the newest.
    assert 200_000 <= len(table.rows) <= 210_000 and table.rows[-1]["Id"] == 999_999
    # On a compressed clock the rest of the hour passes in a second; Retry-After says real seconds.
    powerbi.quota_clock.set_speed(3600)
    refused = post(api, dataset_id, 10_000)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert post(api, dataset_id, 10_000).status_code == 200


def test_once_a_table_holds_250000_rows_120_posts_an_hour(api, powerbi, sandbox):
    dataset_id = create(api)
    powerbi.limiter.limit = None
    powerbi.datasets[dataset_id].table("Lines").rows.extend([{"Id": 0, "Amount": 1.0}] * 250_000)
    for n in range(120):
        assert post(api, dataset_id, 1).status_code == 200
        sandbox.app.clock.advance(1)  # 120 in two minutes: under the per-minute quota

    refused = post(api, dataset_id, 1)

    assert refused.status_code == 429 and "per hour" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 3000


def test_a_table_with_retention_none_stops_at_five_million(api, powerbi):
    dataset_id = create(api)
    powerbi.datasets[dataset_id].table("Lines").rows.extend([{"Id": 0, "Amount": 1.0}] * 4_999_999)

    assert post(api, dataset_id, 1).status_code == 200
    refused = post(api, dataset_id, 1)

    assert refused.status_code == 400 and "5,000,000" in refused.json()["error"]["message"]


def test_a_sixth_pending_post_is_429(api, powerbi):
    dataset_id = create(api)
    powerbi.quotas.post_delay = 0.5
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(post(api, dataset_id, 1).status_code))
               for _ in range(6)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200] * 5 + [429]
