"""Reading the Visma sandbox: paging and deltas (docs/vendors/visma.md §7), and the gateway in front of every call:
rate limits and the ipp-company-id header (§3, §6)."""
import json

from sandbox.vendors.visma import DEMO_COMPANY_ID, UNCONFIRMED
from tests.support.visma_api import Api, api, assert_ipp_exception, visma  # noqa: F401  (api, visma: fixtures)


def test_it_pages_with_metadata_on_every_item_and_clamps_the_page_size(api, visma):
    visma.seed(employees=2345)

    first = api.get("v1/employee", pageNumber=1, pageSize=5000)
    last = api.get("v1/employee", pageNumber=3, pageSize=5000).json()
    beyond = api.get("v1/employee", pageNumber=4, pageSize=1000).json()

    assert first.headers["Content-Type"].startswith("application/json")
    assert "ETag" not in first.headers  # lists carry no ETag; each item has its timeStamp (§5)
    assert isinstance(first.json(), list) and len(first.json()) == UNCONFIRMED["max_page_size"] == 1000
    assert {json.dumps(e["metadata"], sort_keys=True) for e in first.json() + last} == {
        json.dumps({"maxPageSize": 1000, "totalCount": 2345}, sort_keys=True)}
    assert len(last) == 345 and beyond == []
    assert len(api.get("v1/employee").json()) == UNCONFIRMED["default_page_size"]
    assert_ipp_exception(api.get("v1/employee", pageNumber=0, pageSize=10), 400)


def test_it_filters_a_delta_with_each_condition_and_every_accepted_format(api, visma):
    visma.seed(employees=300)
    everyone = [e for n in (1, 2) for e in api.get("v1/employee", pageNumber=n, pageSize=150).json()]
    stamps = [e["lastModifiedDateTime"] for e in everyone]
    pivot = stamps[100]

    def delta(condition, value=pivot):
        return api.get("v1/employee", pageNumber=1, pageSize=1000, lastModifiedDateTime=value,
                       lastModifiedDateTimeCondition=condition).json()

    assert stamps == sorted(stamps)  # delta order: lastModifiedDateTime, then key
    assert [e["employeeId"] for e in delta(">=")] == [e["employeeId"] for e in everyone[100:]]
    assert len(delta(">")) == 199 and len(delta("<")) == 100 and len(delta("<=")) == 101
    day = pivot[:10]
    expected_from_day = sum(1 for s in stamps if s >= day)
    for accepted in (day, f"{day} 00:00:00", f"{day} 00:00:00.000", f"{day}T00:00:00", f"{day}T00:00:00.0"):
        assert len(delta(">=", accepted)) == expected_from_day, accepted


def test_it_pages_a_delta_deterministically(api, visma):
    visma.seed(employees=250)
    since = api.get("v1/employee", pageNumber=1, pageSize=1).json()[0]["lastModifiedDateTime"]

    pages = [api.get("v1/employee", pageNumber=n, pageSize=40, lastModifiedDateTime=since,
                     lastModifiedDateTimeCondition=">=").json() for n in range(1, 8)]
    again = [api.get("v1/employee", pageNumber=n, pageSize=40, lastModifiedDateTime=since,
                     lastModifiedDateTimeCondition=">=").json() for n in range(1, 8)]

    ids = [e["employeeId"] for page in pages for e in page]
    assert pages == again and len(ids) == len(set(ids)) == 250


def test_it_refuses_a_half_delta_and_bad_values_with_an_ipp_exception(api):
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-01-01"), 400, "400", "mutually inclusive")
    assert_ipp_exception(api.get("v1/customer", lastModifiedDateTimeCondition=">"), 400, "400", "mutually inclusive")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-01-01",
                                 lastModifiedDateTimeCondition="=="), 400, "400", "not one of")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="01.02.2026",
                                 lastModifiedDateTimeCondition=">"), 400, "400", "Accepted formats")
    assert_ipp_exception(api.get("v1/employee", lastModifiedDateTime="2026-02-30",
                                 lastModifiedDateTimeCondition=">"), 400, "400", "not a valid date")


def test_it_needs_a_period_or_a_date_for_v2_journal_transactions(api):
    assert_ipp_exception(api.get("v2/journaltransaction"), 400, "400", "periodId or lastModifiedDateTime")
    period = api.get("v2/journaltransaction/000001").json()["financialPeriod"]
    by_period = api.get("v2/journaltransaction", periodId=period, pageSize=100).json()
    since = api.get("v2/journaltransaction", lastModifiedDateTime="2000-01-01", pageSize=100).json()

    assert by_period and {t["financialPeriod"] for t in by_period} == {period}
    assert len(since) == 12  # no Condition parameter on v2: the date means "since"


def test_it_rate_limits_with_retry_after_and_rate_headers(api, visma):
    visma.limiter.limit = 2

    first, second, third = (api.get("v1/employee/1001") for _ in range(3))

    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert first.headers["X-RateLimit-Policy"] == "4-fixed-window"
    assert 0 < int(first.headers["X-RateLimit-Reset"]) <= 3600
    assert third.status_code == 429
    assert 0 < int(third.headers["Retry-After"]) <= 3600
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert third.json() == {"statusCode": 429,
                            "message": f"Rate limit is exceeded. Try again in {third.headers['Retry-After']} seconds."}


def test_it_accepts_but_checks_ipp_company_id(sandbox):
    assert Api(sandbox, company_id=DEMO_COMPANY_ID).get("v1/employee/1001").status_code == 200
    assert_ipp_exception(Api(sandbox, company_id="999").get("v1/employee/1001"), 400, "12002", "ipp-company-id")
