"""Paychex sandbox: the hook registry and notification deliveries (docs/vendors/paychex.md §8).

Deliveries leave from the sandbox's own thread to a local receiver over real HTTP; retries wait for the
sandbox clock, which the tests move instead of waiting five minutes.
"""
import base64
import json

import pytest
import requests

from sandbox.vendors.paychex import DEMO_COMPANY_ID, DEMO_CREDENTIALS, SECOND_COMPANY_ID, UNLINKED_COMPANY_ID
from tests.sandbox.paychex_spec import (  # noqa: F401 (paychex_answers_valid, spec: fixtures)
    assert_matches_operation,
    paychex_answers_valid,
    spec,
)
from tests.support.webhook_receiver import TOKEN, WebhookReceiver

pytestmark = pytest.mark.usefixtures("paychex_answers_valid")
BASIC = {"authType": "BASIC_AUTH", "username": "mlc", "password": "s3cret"}


@pytest.fixture
def paychex(sandbox):
    return sandbox.app["paychex"]


@pytest.fixture
def receiver():
    running = WebhookReceiver()
    yield running
    running.close()


@pytest.fixture
def api(sandbox):
    token = requests.post(f"{sandbox.url}/paychex/auth/oauth/v2/token",
                          data={"grant_type": "client_credentials", **DEMO_CREDENTIALS}, timeout=5).json()["access_token"]

    def call(method, path, body=None):
        return requests.request(method, f"{sandbox.url}/paychex{path}", json=body, timeout=5,
                                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})

    return call


def register(api, receiver, domains=("WRKR_ASGN",), authentication=BASIC, company_id=DEMO_COMPANY_ID):
    body = {"uri": receiver.url, "domains": list(domains), "authentication": authentication}
    if company_id:
        body["companyId"] = company_id
    response = api("POST", "/management/hooks", body)
    assert response.status_code == 201, response.text
    return response.json()


def notifications(receiver):
    return [json.loads(r.body) for r in receiver.received if r.path != "/oauth/token"]


def test_it_registers_lists_shows_and_deletes_hooks(api, spec, receiver):
    created = register(api, receiver, domains=["WRKR_DEM", "CLT_ACCESS"])

    listed = api("GET", "/management/hooks")
    one = api("GET", f"/management/hooks/{created['hookId']}")
    deleted = api("DELETE", f"/management/hooks/{created['hookId']}")

    assert (created["uri"], created["authType"], created["domains"], created["companyId"]) == (
        receiver.url, "BASIC_AUTH", ["WRKR_DEM", "CLT_ACCESS"], DEMO_COMPANY_ID)
    assert assert_matches_operation(spec, "/management/hooks", listed) == [created]
    assert "s3cret" not in listed.text  # the authentication's secrets are never shown back
    assert assert_matches_operation(spec, "/management/hooks/{hookId}", one) == created
    assert deleted.status_code == 204
    assert api("GET", "/management/hooks").json() == []
    assert api("GET", f"/management/hooks/{created['hookId']}").status_code == 404


def test_it_lists_the_domains_a_partner_application_may_register(api, spec):
    domains = assert_matches_operation(spec, "/management/domains", api("GET", "/management/domains"))

    assert {"WRKR_DEM", "WRKR_CMP", "WRKR_EMPL", "WRKR_ASGN", "WRKR_ADD", "CLT_ACCESS"} <= set(domains)


@pytest.mark.parametrize("body, status, code", [
    ({"domains": ["WRKR_DEM"], "authentication": BASIC}, 400, "API-46"),  # no uri
    ({"uri": "http://x", "authentication": BASIC}, 400, "API-46"),  # no domains
    ({"uri": "http://x", "domains": ["WRKR_DEM"]}, 400, "API-46"),  # no authentication
    ({"uri": "http://x", "domains": ["NOT_A_DOMAIN"], "authentication": BASIC}, 400, "API-40"),
    ({"uri": "http://x", "domains": ["WRKR_DEM"], "authentication": BASIC, "companyId": UNLINKED_COMPANY_ID}, 403,
     "API-2"),
])
def test_it_refuses_incomplete_or_foreign_registrations(api, spec, body, status, code):
    response = api("POST", "/management/hooks", body)

    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_a_mutation_is_delivered_notification_only_from_the_background(api, paychex, receiver):
    register(api, receiver, domains=["WRKR_ASGN", "WRKR_EMPL"])
    worker_id = next(iter(paychex.company_data[DEMO_COMPANY_ID]["workers"]))

    paychex.job_change(worker_id, job_title_id="850038652")
    paychex.terminate(worker_id, effective_date="2026-12-31T00:00:00Z")
    assert paychex.dispatcher.flush()

    first, second = notifications(receiver)
    assert set(first) == {"companyId", "workerId", "asOfDate", "domains", "action", "notificationType",
                          "notificationId"}
    assert (first["companyId"], first["workerId"], first["domains"], first["action"], first["notificationType"]) == (
        DEMO_COMPANY_ID, worker_id, ["WRKR_ASGN"], "UPDATE", "WORKER_MESSAGE")
    assert second["domains"] == ["WRKR_EMPL"] and second["notificationId"] != first["notificationId"]
    assert receiver.received[0].headers["Authorization"] == "Basic " + base64.b64encode(b"mlc:s3cret").decode()
    worker = api("GET", f"/workers/{worker_id}").json()["content"][0]
    assert (worker["job"]["title"], worker["currentStatus"]["statusType"]) == ("Team Lead", "TERMINATED")
    assert [s["statusType"] for s in api("GET", f"/workers/{worker_id}/status").json()["content"]] == [
        "TERMINATED", "ACTIVE"]


def test_hooks_get_only_their_domains_and_companies(api, paychex, receiver):
    register(api, receiver, domains=["WRKR_DEM"])  # the demo company only
    everywhere = WebhookReceiver()
    try:
        register(api, everywhere, domains=["WRKR_ADD"], company_id=None)  # every linked company
        paychex.hire(DEMO_COMPANY_ID, given_name="Ny", family_name="Anställd", employee_id="900")
        paychex.hire(SECOND_COMPANY_ID, given_name="Two", family_name="Second", employee_id="901")
        paychex.hire(UNLINKED_COMPANY_ID, given_name="Not", family_name="Linked", employee_id="902")
        assert paychex.dispatcher.flush()

        assert notifications(receiver) == []  # a hire is WRKR_ADD, not WRKR_DEM
        assert sorted(n["companyId"] for n in notifications(everywhere)) == sorted([DEMO_COMPANY_ID, SECOND_COMPANY_ID])
    finally:
        everywhere.close()


@pytest.mark.parametrize("authentication, expected", [
    ({"authType": "API_KEY", "apiKey": "k-123"}, ("x-api-key", "k-123")),
    ({"authType": "OAUTH2", "clientId": "c", "clientSecret": "s", "grantType": "client_credentials",
      "contentType": "application/x-www-form-urlencoded"}, ("Authorization", f"Bearer {TOKEN}")),
    ({"authType": "NO_AUTH"}, ("Authorization", None)),
])
def test_it_calls_the_receiver_with_the_configured_auth(api, paychex, receiver, authentication, expected):
    if authentication["authType"] == "OAUTH2":
        authentication = {**authentication, "tokenUrl": f"{receiver.origin}/oauth/token"}
    register(api, receiver, domains=["WRKR_DEM"], authentication=authentication)

    paychex.worker_edit(next(iter(paychex.workers)), name={"givenName": "Renamed", "familyName": "Person"})
    assert paychex.dispatcher.flush()

    delivery = [r for r in receiver.received if r.path != "/oauth/token"][0]
    header, value = expected
    assert delivery.headers.get(header) == value
    if authentication["authType"] == "OAUTH2":
        token_request = receiver.received[0]
        assert token_request.path == "/oauth/token"
        assert b"grant_type=client_credentials" in token_request.body and b"client_secret=s" in token_request.body


def test_a_refused_delivery_is_retried_every_five_minutes_of_sandbox_time(api, paychex, receiver, sandbox):
    receiver.statuses = [503, 401]
    register(api, receiver, domains=["WRKR_DEM"])
    paychex.worker_edit(next(iter(paychex.workers)), name={"givenName": "A", "familyName": "B"})
    assert paychex.dispatcher.flush()
    assert len(receiver.received) == 1

    sandbox.app.clock.advance(299)
    assert paychex.dispatcher.flush()
    assert len(receiver.received) == 1  # not yet: five minutes have not passed

    sandbox.app.clock.advance(1)
    assert paychex.dispatcher.flush()
    sandbox.app.clock.advance(300)
    assert paychex.dispatcher.flush()

    assert [d["status"] for d in paychex.dispatcher.deliveries] == [503, 401, 200]
    assert [d["attempt"] for d in paychex.dispatcher.deliveries] == [1, 2, 3]
    assert len({json.loads(r.body)["notificationId"] for r in receiver.received}) == 1
    assert paychex.dispatcher.waiting == 0


def test_an_unreachable_receiver_is_retried_too(api, paychex, receiver, sandbox):
    register(api, receiver, domains=["WRKR_DEM"])
    receiver.close()
    paychex.worker_edit(next(iter(paychex.workers)), name={"givenName": "A", "familyName": "B"})
    assert paychex.dispatcher.flush()

    [failed] = paychex.dispatcher.deliveries
    assert failed["status"] is None and "URLError" in failed["error"]
    assert paychex.dispatcher.waiting == 1


def test_it_can_duplicate_deliveries_and_send_them_out_of_order(api, paychex, receiver):
    register(api, receiver, domains=["WRKR_DEM"])
    paychex.dispatcher.duplicate = paychex.dispatcher.out_of_order = True
    worker_id = next(iter(paychex.workers))

    paychex.worker_edit(worker_id, name={"givenName": "First", "familyName": "Edit"})
    paychex.worker_edit(worker_id, name={"givenName": "Second", "familyName": "Edit"})
    assert paychex.dispatcher.flush() and receiver.received == []  # held back until released
    assert paychex.dispatcher.release() == 4
    assert paychex.dispatcher.flush()

    ids = [json.loads(r.body)["notificationId"] for r in receiver.received]
    assert len(ids) == 4 and len(set(ids)) == 2
    published_first = paychex.dispatcher.deliveries[-1]["notification"]
    assert ids[0] != published_first["notificationId"]  # the newest arrives first


def test_company_access_revoked_is_notified_before_access_ends(api, paychex, receiver):
    register(api, receiver, domains=["CLT_ACCESS"], company_id=None)

    paychex.company_access(SECOND_COMPANY_ID, granted=False)
    assert paychex.dispatcher.flush()

    [notification] = notifications(receiver)
    assert (notification["companyId"], notification["domains"], notification["notificationType"]) == (
        SECOND_COMPANY_ID, ["CLT_ACCESS"], "CLT_ACCESS_MESSAGE")
    assert "workerId" not in notification
    assert api("GET", f"/companies/{SECOND_COMPANY_ID}").status_code == 403


def test_a_deleted_hook_gets_no_more_retries_and_a_reset_forgets_everything(api, paychex, receiver, sandbox):
    receiver.statuses = [500]
    hook = register(api, receiver, domains=["WRKR_DEM"])
    paychex.worker_edit(next(iter(paychex.workers)), name={"givenName": "A", "familyName": "B"})
    assert paychex.dispatcher.flush()

    api("DELETE", f"/management/hooks/{hook['hookId']}")
    sandbox.app.clock.advance(300)
    assert paychex.dispatcher.flush()

    assert len(receiver.received) == 1
    sandbox.app.reset()
    assert (paychex.dispatcher.hooks, paychex.dispatcher.deliveries, paychex.dispatcher.waiting) == ({}, [], 0)
