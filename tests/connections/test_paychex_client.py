"""Paychex client against the Paychex sandbox over real HTTP: tokens, paged workers, a worker with its
assignment, reference lists and hooks."""
import time

import pytest

from connections.vendors import get_vendor
from connections.vendors.errors import VendorNotFound
from sandbox.vendors.paychex import DEMO_COMPANY_ID


@pytest.fixture
def client(make_sandbox_connection):
    return get_vendor("paychex").client_for(make_sandbox_connection("paychex"))


def token_calls(sandbox):
    return sandbox.app.log.filter(vendor="paychex", method="POST", path_contains="/auth/oauth/v2/token")


def api_statuses(sandbox):
    return [e.status for e in sandbox.app.log.filter(vendor="paychex", method="GET")]


def test_it_keeps_one_token_while_it_is_fresh(client, sandbox):
    client.job_titles(DEMO_COMPANY_ID)
    client.jobs(DEMO_COMPANY_ID)

    assert len(token_calls(sandbox)) == 1


def test_it_renews_the_token_before_it_runs_out(client, sandbox):
    # A lifetime just past the renewal margin: one second later the token is due for renewal.
    sandbox.app["paychex"].tokens.lifetime = client.token_renew_margin + 1
    client.job_titles(DEMO_COMPANY_ID)
    time.sleep(1.1)

    client.job_titles(DEMO_COMPANY_ID)

    assert len(token_calls(sandbox)) == 2
    assert api_statuses(sandbox) == [200, 200]  # renewed before, not after, a 401


def test_it_reauthenticates_once_on_401(client, sandbox):
    client.job_titles(DEMO_COMPANY_ID)
    sandbox.app["paychex"].tokens.revoke_all()

    client.job_titles(DEMO_COMPANY_ID)

    assert len(token_calls(sandbox)) == 2
    assert api_statuses(sandbox) == [200, 401, 200]


def test_it_pages_through_the_workers(client, sandbox):
    pages = list(client.worker_pages(DEMO_COMPANY_ID, limit=3))

    assert [len(workers) for workers, _ in pages] == [3, 3, 1]
    assert [following for _, following in pages] == [3, 6, None]
    assert len({w["workerId"] for workers, _ in pages for w in workers}) == 7
    queries = [e.query for e in sandbox.app.log.filter(vendor="paychex", path_contains="/workers")]
    assert queries == [{"offset": ["0"], "limit": ["3"]}, {"offset": ["3"], "limit": ["3"]},
                       {"offset": ["6"], "limit": ["3"]}]
    [log] = sandbox.app.log.filter(vendor="paychex", path_contains="/workers")[:1]
    assert log.headers["Accept"] == "application/vnd.paychex.workers_communications.v1+json"


def test_it_reads_a_worker_with_assignment_organization_and_location(client, sandbox):
    worker_id = next(client.worker_pages(DEMO_COMPANY_ID))[0][2]["workerId"]

    worker = client.worker_with_assignment(worker_id, company_id=DEMO_COMPANY_ID)

    assert worker["name"]["familyName"] == "Walker"
    assert worker["organization"]["name"] == "1 Administration"
    assert worker["organization"]["parentId"] == "850002407928079"  # from the parent link
    assert worker["location"]["name"] == "Default Location"
    assert worker["assignment"]["laborAssignmentId"] == worker["laborAssignmentId"]


def test_it_reads_the_reference_lists(client):
    assert [t["title"] for t in client.job_titles(DEMO_COMPANY_ID)] == ["Developer", "Tester", "Team Lead"]
    assert [j["jobName"] for j in client.jobs(DEMO_COMPANY_ID)] == ["My job A", "My job B"]
    hierarchy = {o["name"]: o["parentId"] for o in client.organizations(DEMO_COMPANY_ID)}
    assert hierarchy["Company"] is None and hierarchy["1 North Division"] == "850001539951646"
    assert len(client.locations(DEMO_COMPANY_ID)) == 3
    assert {c["classificationType"] for c in client.pay_components(DEMO_COMPANY_ID)} == {"REGULAR", "DEDUCTION"}
    assert client.pay_frequencies(DEMO_COMPANY_ID)[0]["payFrequency"] == "WEEKLY"


def test_it_registers_lists_and_deletes_hooks(client):
    assert "CLT_ACCESS" in client.hook_domains()
    created = client.hook_create(uri="https://example.com/hooks/x/", domains=["WRKR_DEM"], company_id=DEMO_COMPANY_ID,
                                 authentication={"authType": "BASIC_AUTH", "username": "u", "password": "p"})

    assert client.hooks() == [created]
    assert client.hook(created["hookId"]) == created
    client.hook_delete(created["hookId"])
    assert client.hooks() == []
    with pytest.raises(VendorNotFound):
        client.hook(created["hookId"])
