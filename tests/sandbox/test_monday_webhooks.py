"""The monday sandbox's webhooks (docs/vendors/monday.md §7) against a small receiver over real HTTP: the
challenge, which events reach which webhook, unsigned personal-token deliveries, a minute's retries for 30
minutes on the sandbox clock."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.vendors.monday import APP_SIGNING_SECRET, APP_TOKEN, MEMBER_USER_ID
from tests.sandbox.test_monday_sandbox import post

BOARD = "1800000002"
CREATE = ("mutation ($b: ID!, $url: String!, $e: WebhookEventType!, $c: JSON) { create_webhook(board_id: $b, "
          "url: $url, event: $e, config: $c) { id board_id event config } }")


class Receiver(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.received, self.status, self.echo = [], 200, True

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "challenge" in body:
            answer = json.dumps(body if self.server.echo else {"challenge": "something else"}).encode()
            self.send_response(200)
        else:
            self.server.received.append((dict(self.headers), body))
            answer, _ = b"{}", self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def monday(sandbox):
    return sandbox.app["monday"]


def subscribe(sandbox, receiver, event, config=None, token=None):
    variables = {"b": BOARD, "url": receiver.url, "e": event, "c": json.dumps(config) if config else None}
    return post(sandbox, CREATE, variables, **({"token": token} if token else {})).json()


def items(monday):
    return [item for item in monday.data.items.values() if item["board_id"] == BOARD]


def test_a_url_that_does_not_echo_the_challenge_gets_no_webhook(sandbox, monday, receiver):
    receiver.echo = False

    body = subscribe(sandbox, receiver, "change_status_column_value")

    assert body["data"] == {"create_webhook": None}
    assert body["errors"][0]["extensions"]["code"] == "InvalidWebhookUrlException"
    assert monday.webhooks.webhooks == {}


def test_events_reach_the_webhooks_that_asked_for_them_unsigned_for_a_personal_token(sandbox, monday, receiver):
    status_hook = subscribe(sandbox, receiver, "change_status_column_value")["data"]["create_webhook"]
    subscribe(sandbox, receiver, "change_specific_column_value", {"columnId": "person"})
    subscribe(sandbox, receiver, "create_item")
    laptop, badge = items(monday)[:2]

    monday.user_sets_status(laptop["id"], "status", "Stuck")
    monday.data.change_values(BOARD, badge["id"], {"person": "51000001"})
    post(sandbox, "mutation ($b: ID!) { create_item(board_id: $b, item_name: \"Desk\") { id } }", {"b": BOARD})
    assert monday.flush_webhooks(10)

    events = [body["event"] for _, body in receiver.received]
    assert [(e["type"], e.get("columnId"), e["pulseName"]) for e in events] == [
        ("update_column_value", "status", "Laptop"), ("update_column_value", "person", "Badge"),
        ("create_pulse", None, "Desk")]
    status_event = events[0]
    assert status_event["subscriptionId"] == int(status_hook["id"])
    assert status_event["userId"] == int(MEMBER_USER_ID) and status_event["boardId"] == int(BOARD)
    assert status_event["value"]["label"]["text"] == "Stuck" and status_event["isRetry"] is False
    assert len({e["triggerUuid"] for e in events}) == 3
    assert all("Authorization" not in headers for headers, _ in receiver.received)


def test_an_app_token_s_webhook_signs_its_deliveries(sandbox, monday, receiver):
    from connections.vendors.monday.webhooks import jwt_hs256_claims

    subscribe(sandbox, receiver, "change_status_column_value", token=APP_TOKEN)

    monday.user_sets_status(items(monday)[0]["id"], "status", "Stuck")
    assert monday.flush_webhooks(10)

    [(headers, _)] = receiver.received
    claims = jwt_hs256_claims(headers["Authorization"], [APP_SIGNING_SECRET], audiences={receiver.url},
                              now=sandbox.app.clock.now())
    assert claims["accountId"] == 9100001 and claims["shortLivedToken"]


def test_a_failed_delivery_is_retried_every_minute_for_30_minutes(sandbox, monday, receiver):
    subscribe(sandbox, receiver, "change_status_column_value")
    receiver.status = 503

    monday.user_sets_status(items(monday)[0]["id"], "status", "Stuck")
    for _ in range(40):  # 40 minutes of the sandbox clock
        assert monday.webhooks.settle(5)
        sandbox.app.clock.advance(60)
    assert monday.flush_webhooks(5)

    attempts = [d["attempt"] for d in monday.webhooks.deliveries]
    assert attempts == list(range(1, 32))  # the first try and 30 retries, a minute apart
    assert {body["event"]["triggerUuid"] for _, body in receiver.received} == {
        receiver.received[0][1]["event"]["triggerUuid"]}
    assert [body["event"]["isRetry"] for _, body in receiver.received[:2]] == [False, True]

