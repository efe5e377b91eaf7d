"""RipplingClient's page-level reads over real HTTP against the sandbox (docs/vendors/rippling.md §3, §6, §7)."""
from datetime import datetime, timedelta, timezone

import pytest

from connections.vendors import get_vendor
from connections.vendors.errors import VendorNotFound, VendorRejected
from connections.vendors.rippling.client import RipplingPage, filter_datetime, parse_timestamp
from sandbox.vendors.rippling import DEPARTMENTS, NO_SENSITIVE_API_KEY, NO_USERS_API_KEY, object_id

SINCE = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def rippling(sandbox):
    return sandbox.app["rippling"]


@pytest.fixture
def make_client(make_sandbox_connection):
    def make(api_key=None, **kwargs):
        overrides = {"credentials": {"api_key": api_key}} if api_key else {}
        return get_vendor("rippling").client_for(make_sandbox_connection("rippling", **overrides), **kwargs)

    return make


def calls(sandbox):
    return sandbox.app.log.filter(vendor="rippling")


def records(pages):
    return [row for page in pages for row in page.results]


def test_it_walks_a_delta_across_pages_in_updated_order(rippling, make_client, sandbox):
    rippling.seed(workers=60, departments=6, seed=4)
    expected = [w for w in rippling.data["workers"].rows.values() if parse_timestamp(w["updated_at"]) >= SINCE]

    pages = list(make_client().worker_pages(updated_since=SINCE, page_size=7))

    assert all(isinstance(page, RipplingPage) for page in pages)
    assert [len(page.results) for page in pages[:-1]] == [7] * (len(pages) - 1) and len(pages) > 3
    assert pages[-1].next_link is None and all(page.next_link for page in pages[:-1])
    rows = records(pages)
    assert sorted(row["id"] for row in rows) == sorted(w["id"] for w in expected)
    stamps = [parse_timestamp(row["updated_at"]) for row in rows]
    assert stamps == sorted(stamps) and pages[-1].last_updated_at == stamps[-1]
    assert all(row["user"]["id"] == row["user_id"] for row in rows)  # expand=user by default
    first, *later = calls(sandbox)
    # Unquoted datetime in the filter (docs/vendors/rippling.md §3); later pages send only the cursor.
    assert first.query == {"limit": ["7"], "expand": ["user"], "filter": ["updated_at ge 2024-01-01T00:00:00"],
                           "order_by": ["updated_at"]}
    assert all(list(call.query) == ["cursor"] for call in later)


def test_it_resumes_from_a_saved_next_link(rippling, make_client, sandbox):
    rippling.seed(workers=30, departments=4, seed=8)
    walk = make_client().worker_pages(updated_since=SINCE, page_size=10)
    first_page = next(walk)
    saved = first_page.next_link  # what the flow checkpoints after processing a page
    walk.close()  # the worker crashed here
    rippling.update_worker(first_page.results[0]["id"], title="Changed while the sync was down")
    sandbox.app.log.clear()

    resumed = list(make_client().worker_pages(next_link=saved))

    assert calls(sandbox)[0].query == {"cursor": [saved.split("cursor=")[1]]}
    ids = [row["id"] for row in first_page.results + records(resumed)]
    expected = [w["id"] for w in rippling.data["workers"].rows.values()
                if parse_timestamp(w["updated_at"]) >= SINCE]
    assert set(ids) == set(expected)
    # The one record changed after it was read comes again, at the end, in its new version.
    assert records(resumed)[-1]["id"] == first_page.results[0]["id"]
    assert records(resumed)[-1]["title"] == "Changed while the sync was down"
    assert len(ids) == len(expected) + 1


def test_a_full_sync_orders_by_created_at(rippling, make_client, sandbox):
    rippling.seed(workers=25, departments=3, seed=6)

    rows = records(make_client().worker_pages(page_size=10, expand=("user", "department")))

    assert len(rows) == 25 and {row["status"] for row in rows} >= {"ACTIVE", "TERMINATED"}
    created = [parse_timestamp(row["created_at"]) for row in rows]
    assert created == sorted(created)
    assert all(row["department"]["id"] == row["department_id"] for row in rows)
    assert calls(sandbox)[0].query["order_by"] == ["created_at"] and "filter" not in calls(sandbox)[0].query


def test_it_follows_relative_next_links(rippling, make_client):
    rippling.relative_next_links = True

    pages = list(make_client().worker_pages(page_size=4))

    assert pages[0].next_link.startswith("/rippling/workers/?cursor=")
    assert [len(page.results) for page in pages] == [4, 2]
    assert list(make_client().worker_pages(next_link=pages[0].next_link))[0].results == pages[1].results


def test_it_waits_out_a_429_as_retry_after_asks(rippling, make_client, sandbox):
    waits = []
    walk = make_client(sleep=waits.append).worker_pages(updated_since=SINCE, page_size=2)
    first = next(walk)
    rippling.faults.fail_next(1, status=429, headers={"Retry-After": "1"},
                              body={"detail": "Request was throttled. Expected available in 1 seconds."})

    rest = list(walk)

    assert waits == [1.0]
    assert len(first.results + records(rest)) == 6
    assert [call.status for call in calls(sandbox)][:3] == [200, 429, 200]


def test_redacted_fields_are_surfaced_on_the_page(make_client):
    [no_personal] = list(make_client(NO_SENSITIVE_API_KEY).worker_pages())
    [no_users] = list(make_client(NO_USERS_API_KEY).worker_pages())

    assert no_personal.redacted_fields == ("date_of_birth", "gender")
    assert no_users.redacted_fields == ("user",)
    assert all("user" not in row for row in no_users.results)
    assert all(row["user"]["name"]["family_name"] for row in no_personal.results)


def test_a_delta_sees_hires_terminations_and_rehires(rippling, make_client):
    client = make_client()
    watermark = list(client.worker_pages(updated_since=SINCE))[-1].last_updated_at
    hired = rippling.hire(given_name="Ada", family_name="Lovelace", department_id=DEPARTMENTS["people"])
    alan = object_id(0x10, 2)
    rippling.terminate(alan, "2026-06-30", "Relocation")

    rows = records(client.worker_pages(updated_since=watermark))

    # `ge` is inclusive: the newest record of the last walk comes again (the id map makes it free).
    assert [row["id"] for row in rows] == [object_id(0x10, 5), hired["id"], alan]
    assert rows[1]["user"]["display_name"] == "Ada Lovelace" and rows[1]["status"] == "ACTIVE"
    assert rows[2]["status"] == "TERMINATED" and rows[2]["termination_details"]["reason"] == "Relocation"

    watermark = records(client.worker_pages(updated_since=watermark))[-1]["updated_at"]
    rippling.rehire(alan, "2026-08-01")
    [*_, rehired] = records(client.worker_pages(updated_since=parse_timestamp(watermark)))
    assert rehired["id"] == alan and rehired["status"] == "ACTIVE" and "end_date" not in rehired


def test_get_worker_returns_the_record_with_its_meta(make_client):
    client = make_client()

    worker = client.get_worker(object_id(0x10, 3))

    assert worker["user"]["name"]["given_name"] == "Katherine" and worker["__meta"] == {"redacted_fields": []}
    assert "user" not in client.get_worker(object_id(0x10, 3), expand=())
    with pytest.raises(VendorNotFound):
        client.get_worker("65a0ffffffffffffffffffff")


def test_reference_lists_read_every_page(rippling, make_client, sandbox):
    rippling.seed(workers=10, departments=12, seed=1)
    client = make_client()
    client.page_size = 5

    departments = client.list_departments()

    assert len(departments) == 12 and len({d["id"] for d in departments}) == 12
    assert len(calls(sandbox)) == 3
    assert {t["type"] for t in client.list_employment_types()} == {"EMPLOYEE", "CONTRACTOR"}
    assert {loc["name"] for loc in client.list_work_locations()} == {"San Francisco HQ", "Remote (US)"}


def test_department_pages_deliver_a_delta_without_a_server_filter(rippling, make_client, sandbox):
    added = rippling.add_department("Data", parent_id=DEPARTMENTS["engineering"])
    since = parse_timestamp(added["updated_at"]) - timedelta(seconds=1)

    delta = list(make_client().department_pages(updated_since=since, expand=("parent",)))
    full = records(make_client().department_pages(page_size=2))

    assert [d["id"] for d in records(delta)] == [added["id"]]
    assert records(delta)[0]["parent"]["name"] == "Engineering"
    assert len(full) == 4 and full[-1]["id"] == added["id"]
    # /departments/ declares no `filter` (rest_openapi.json): none is sent.
    assert not any("filter" in call.query for call in calls(sandbox))


def test_a_quoted_date_filter_is_refused_with_rippling_s_message(make_client, sandbox):
    with pytest.raises(VendorRejected) as caught:
        list(make_client().pages("workers/", {"filter": "updated_at ge '2024-10-01T00:00:00'"}))

    assert caught.value.vendor_message == (
        "updated_at parameter is of the wrong type, expected: datetime.datetime | None, got: str")
    assert "strings are quoted and dates are not" in caught.value.message
    assert len(calls(sandbox)) == 1  # 400 is permanent: never retried


def test_a_saved_next_link_to_another_host_is_refused_before_any_call(make_client, sandbox):
    with pytest.raises(VendorRejected, match="not sent there"):
        next(make_client().worker_pages(next_link="https://attacker.example/workers/?cursor=abc"))

    assert calls(sandbox) == []


@pytest.mark.parametrize("text, expected", [
    ("2024-05-01T08:30:00+00:00", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),
    ("2024-05-01T08:30:00Z", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),
    ("2024-05-01T10:30:00+0200", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),  # legacy style offset
    ("2020-06-02T19:04:17.375000-07:00", datetime(2020, 6, 3, 2, 4, 17, 375000, tzinfo=timezone.utc)),
    ("2024-05-01T08:30:00.123Z", datetime(2024, 5, 1, 8, 30, 0, 123000, tzinfo=timezone.utc)),
    ("2024-05-01T08:30:00", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),  # naive: UTC
])
def test_timestamps_parse_with_z_or_any_offset(text, expected):
    assert parse_timestamp(text) == expected and parse_timestamp(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["", "yesterday", None, 20240501])
def test_a_bad_timestamp_is_a_value_error(bad):
    with pytest.raises(ValueError):
        parse_timestamp(bad)


def test_filter_datetimes_are_utc_and_truncated_to_the_second():
    assert filter_datetime(datetime(2024, 10, 1, 2, 0, 0, 999999, tzinfo=timezone(timedelta(hours=2)))) == \
        "2024-10-01T00:00:00"
    assert filter_datetime(datetime(2024, 10, 1)) == "2024-10-01T00:00:00"
