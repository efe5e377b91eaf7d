"""The Dayforce client against the sandbox over real HTTP: tokens per run, discovery cached on the
connection, the delta search, details, org units, paged pay summaries, permissions and rate limits."""
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from connections.services import connection_test
from connections.vendors import get_vendor
from connections.vendors.dayforce.client import EMPLOYEE_EXPAND, DayforceClient
from connections.vendors.errors import VendorPermissionError, VendorRejected
from sandbox.vendors.dayforce import RESTRICTED_USERNAME
from syncs.ratelimit import SharedRateLimiter
from tests.support.dayforce import dayforce  # noqa: F401 (fixture)
from tests.support.dayforce_openapi import dayforce_responses_validated  # noqa: F401 (autouse)

SEPTEMBER = (datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 9, 30, 23, 59, 59, tzinfo=timezone.utc))


@pytest.fixture
def connection(make_sandbox_connection):
    return make_sandbox_connection("dayforce")


def client_for(connection, sandbox, waits=None, **kwargs) -> DayforceClient:
    """Backoff sleeps move the sandbox clock instead of waiting."""

    def sleep(seconds):
        if waits is not None:
            waits.append(seconds)
        sandbox.app.clock.advance(seconds)

    return get_vendor("dayforce").client_for(connection, sleep=sleep, **kwargs)


def gets(sandbox, path_contains=""):
    return [(e.path, e.status) for e in sandbox.app.log.filter(vendor="dayforce", method="GET",
                                                                path_contains=path_contains)]


def token_grants(sandbox) -> int:
    return len(sandbox.app.log.filter(vendor="dayforce", path_contains="/connect/token"))


def test_each_run_starts_with_a_fresh_password_grant(connection, sandbox):
    client = client_for(connection, sandbox)
    client.session_start()
    client.org_units()

    client_for(connection, sandbox).session_start()  # the next run, with a live token still cached

    assert token_grants(sandbox) == 2


def test_a_401_mid_run_re_authenticates_once(connection, sandbox, dayforce):
    client = client_for(connection, sandbox)
    client.session_start()
    client.employee_details("42100")
    dayforce.tokens.revoke_all()

    assert client.employee_details("42101")["FirstName"] == "Alan"
    assert [status for _, status in gets(sandbox, "/Employees/")] == [200, 401, 200]
    assert token_grants(sandbox) == 2


def test_discovery_follows_the_302_and_is_kept_on_the_connection(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce", base_url=sandbox.url + "/dayforce-www/Api")

    assert connection_test(connection=connection).ok
    connection.refresh_from_db()
    client_for(connection, sandbox).org_units()

    assert connection.config["service_uri"] == sandbox.url + "/dayforce/Api"
    assert gets(sandbox) == [
        ("/dayforce-www/Api/mlconnector/V1/ClientMetadata", 302),
        ("/dayforce/Api/mlconnector/V1/ClientMetadata", 200),
        ("/dayforce/Api/mlconnector/V1/Employees", 200),
        ("/dayforce/Api/mlconnector/V1/OrgUnits", 200),  # the second client did not discover again
    ]


def test_the_delta_search_sends_the_updated_window(connection, sandbox, dayforce):
    before = dayforce.now()
    dayforce.change("transfer", "42106", org_unit="BGO-OPS", department="OPS")

    found = client_for(connection, sandbox).employee_xrefs_updated(before - timedelta(seconds=1),
                                                                   dayforce.now() + timedelta(seconds=1))

    assert found == ["42106"]
    search, = sandbox.app.log.filter(vendor="dayforce", path_contains="/Employees")[-1:]
    assert set(search.query) == {"filterUpdatedStartDate", "filterUpdatedEndDate"}


def test_details_come_with_every_collection_as_of_the_context_date(connection, sandbox):
    client = client_for(connection, sandbox)

    now = client.employee_details("42103")
    earlier = client.employee_details("42103", context_date=datetime(2025, 5, 1, tzinfo=timezone.utc))

    assert set(EMPLOYEE_EXPAND) <= set(now)
    assert now["WorkAssignments"]["Items"][0]["Location"]["XRefCode"] == "TRD-ENG"
    assert earlier["WorkAssignments"]["Items"][0]["Location"]["XRefCode"] == "OSL-ENG"


def test_an_unknown_xrefcode_is_rejected_once_not_retried(connection, sandbox):
    with pytest.raises(VendorRejected) as raised:
        client_for(connection, sandbox).employee_details("99999")

    assert "99999" in raised.value.message and raised.value.status == 400
    assert len(gets(sandbox, "/Employees/99999")) == 1


def test_it_reads_org_units_with_their_parents(connection, sandbox):
    client = client_for(connection, sandbox)

    units = client.org_units()
    oslo_engineering = client.org_unit("OSL-ENG")

    assert len(units) == 13 and "CORP" in units
    assert oslo_engineering["OrgUnitParents"]["Items"][0]["ParentOrgUnit"]["XRefCode"] == "OSL"


def test_pay_summaries_follow_paging_next_to_the_last_page(connection, sandbox):
    client = client_for(connection, sandbox)
    whole = client.pay_summaries(*SEPTEMBER)
    sandbox.app.log.clear()

    pages = list(client.pay_summary_pages(*SEPTEMBER, page_size=10))

    assert [line for page in pages for line in page] == whole and len(whole) > 10
    assert len(pages) == len(gets(sandbox, "EmployeePaySummaries")) == -(-len(whole) // 10)
    first, *following = sandbox.app.log.filter(vendor="dayforce", method="GET")
    assert "filterPaySummaryStartDate" in first.query
    assert following and all(set(entry.query) == {"cursor"} for entry in following)


def test_a_403_names_the_hcm_anywhere_feature_the_user_lacks(make_sandbox_connection, sandbox):
    connection = make_sandbox_connection("dayforce")
    connection.credentials = {**connection.credentials, "username": RESTRICTED_USERNAME}
    connection.save()

    with pytest.raises(VendorPermissionError) as raised:
        client_for(connection, sandbox).pay_summaries(*SEPTEMBER)

    assert "lacks the HCM Anywhere permission 'Web Services > Read Data'" in raised.value.message
    assert "may not read EmployeePaySummaries" in raised.value.message
    assert "HCM Anywhere > Web Services > Read Data" in raised.value.message


def test_the_declared_limits_keep_details_under_dayforces_rate_limit(connection, sandbox):
    limiter = SharedRateLimiter(f"dayforce:test-{uuid.uuid4().hex}", DayforceClient.rate_limits)
    client = client_for(connection, sandbox, rate_limiter=limiter)
    client.employee_xrefcodes()  # discovery and the search, so the details are what is timed
    started = time.monotonic()

    names = [client.employee_details(str(42100 + n % 12), expand=())["LastName"] for n in range(25)]

    assert len(names) == 25
    assert time.monotonic() - started >= 1.5  # at most 10 a second
    assert [status for _, status in gets(sandbox)].count(429) == 0


def test_without_the_limiter_it_waits_out_dayforces_429s(connection, sandbox):
    waits = []
    client = client_for(connection, sandbox, waits)

    names = [client.employee_details(str(42100 + n % 12), expand=())["LastName"] for n in range(25)]

    assert len(names) == 25
    assert waits and all(wait == 1.0 for wait in waits)
    assert [status for _, status in gets(sandbox, "/Employees/")].count(429) == len(waits)


def test_many_details_are_read_a_few_at_a_time_in_order(connection, sandbox, dayforce):
    connection.config = {**connection.config, "service_uri": sandbox.url + "/dayforce/Api"}
    connection.save()
    client = client_for(connection, sandbox)
    dayforce.faults.slow_seconds = 0.3  # each call takes 0.3 s at Dayforce
    xrefs = [str(42100 + n) for n in range(7)] + ["99999"]
    started = time.monotonic()

    details = client.employee_details_many(xrefs, concurrency=4)

    elapsed = time.monotonic() - started
    assert [d["XRefCode"] for d in details[:7]] == xrefs[:7]
    assert isinstance(details[7], VendorRejected) and "99999" in details[7].message
    # Eight calls of 0.3 s, four at a time: two waves (0.6 s), not eight at once (0.3 s) nor in a row (2.4 s).
    # Load only makes it slower, so the bound below is exact and the one above leaves a loaded machine room.
    assert 0.55 <= elapsed < 2.1
    assert token_grants(sandbox) == 1
