"""monday webhooks of the sandbox (docs/vendors/monday.md §7): URL verification, deliveries, retries.

* `create_webhook` POSTs `{"challenge": …}` to the URL and creates the webhook only if the same JSON comes back.
* Deliveries are `{"event": {…}}` with a `triggerUuid`, posted from one background thread with a timeout, never
  inside the request that caused them. A webhook created with an app token signs them: `Authorization: <JWT>`,
  HS256 with the app's signing secret, `aud` = the webhook URL.
* A failed delivery (non-2xx, timeout, refused) is retried every `retry_interval` seconds for `retry_window`
  seconds of the sandbox clock, with `isRetry` and the same `triggerUuid`; tests compress the interval or
  advance the clock. Every attempt is recorded in `deliveries`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request

from sandbox.vendors.monday.contract import UNCONFIRMED

# Deliveries go straight to the receiver, never through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
TICK = 0.05  # seconds between looks at the queue: the sandbox clock may be moved forward meanwhile


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_hs256(claims: dict, secret: str) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def post_json(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, bytes, str]:
    """(status, body, error) of one POST; never raises."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "monday.com webhooks (sandbox)", **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(64 * 1024), ""
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, b"", f"{type(exc).__name__}: {exc}"


class WebhookDispatcher:
    def __init__(self, clock, signing_secret: str):
        self.clock = clock
        self.app_signing_secret = signing_secret
        self._cond = threading.Condition()
        self._ids = itertools.count(530000001)
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        with self._cond:
            self._generation = getattr(self, "_generation", 0) + 1
            self.queue: list[dict] = []
            self._in_flight = 0
            self.webhooks: dict[str, dict] = {}
            self.deliveries: list[dict] = []
            self.retry_interval = UNCONFIRMED["delivery_retry_interval"]
            self.retry_window = UNCONFIRMED["delivery_retry_window"]
            self.timeout = UNCONFIRMED["delivery_timeout"]
            self.signing_secret = self.app_signing_secret  # tests sign with another app's secret
            self._cond.notify_all()

    # --- registration ---------------------------------------------------------------------------
    def verify_url(self, url: str) -> bool:
        """The challenge handshake: the URL must answer 200 with the identical JSON body (§7)."""
        body = {"challenge": secrets.token_urlsafe(38)}
        status, answer, _ = post_json(url, json.dumps(body).encode(), {}, UNCONFIRMED["challenge_timeout"])
        try:
            return status == 200 and json.loads(answer) == body
        except ValueError:
            return False

    def add(self, *, board_id: str, url: str, event: str, config, token_kind: str, account_id: str) -> dict:
        webhook = {"id": str(next(self._ids)), "board_id": board_id, "url": url, "event": event,
                   "config": json.dumps(config) if isinstance(config, dict) else config,
                   "signed": token_kind == "app", "account_id": account_id}
        with self._cond:
            self.webhooks[webhook["id"]] = webhook
        return webhook

    def load(self, webhooks: dict) -> None:
        with self._cond:
            self.webhooks = webhooks
            self._ids = itertools.count(max(map(int, webhooks), default=530000000) + 1)

    def remove(self, webhook_id: str) -> dict | None:
        with self._cond:
            return self.webhooks.pop(str(webhook_id), None)

    def of_board(self, board_id: str, app_only: bool = False) -> list[dict]:
        return [w for w in self.webhooks.values() if w["board_id"] == str(board_id) and (w["signed"] or not app_only)]

    # --- deliveries --------------------------------------------------------------------------------
    def publish(self, board_id: str, wants, event: dict) -> int:
        """Queue `event` for every webhook of the board that `wants(webhook)`; returns how many."""
        with self._cond:
            matching = [w for w in self.webhooks.values() if w["board_id"] == str(board_id) and wants(w)]
            for webhook in matching:
                payload = {**event, "subscriptionId": int(webhook["id"]), "triggerUuid": secrets.token_hex(16),
                           "originalTriggerUuid": None}
                self.queue.append({"webhook": webhook, "payload": payload, "attempt": 0, "due": self.clock.now(),
                                   "first": self.clock.now(), "generation": self._generation})
            if matching:
                self._start()
                self._cond.notify_all()
        return len(matching)

    def redeliver(self, delivery: dict) -> None:
        """Send a delivery again, as monday does when it did not see the answer: same triggerUuid, isRetry."""
        payload = {k: v for k, v in delivery["event"].items() if k != "isRetry"}
        with self._cond:
            webhook = self.webhooks[delivery["webhook_id"]]
            self.queue.append({"webhook": webhook, "payload": payload, "attempt": delivery["attempt"],
                               "due": self.clock.now(), "first": self.clock.now(), "generation": self._generation})
            self._start()
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is queued (delivered, or retries given up)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.queue or self._in_flight:
                if time.monotonic() >= deadline:
                    return False
                self._cond.wait(TICK)
        return True

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is due on the sandbox clock now and nothing is in flight (retries may wait)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight or any(job["due"] <= self.clock.now() for job in self.queue):
                if time.monotonic() >= deadline:
                    return False
                self._cond.wait(TICK)
        return True

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="monday-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                due = [job for job in self.queue if job["due"] <= self.clock.now()]
                if not due:
                    self._cond.wait(TICK)
                    continue
                job = min(due, key=lambda j: j["due"])
                self.queue.remove(job)
                self._in_flight += 1
            try:
                self._deliver(job)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _deliver(self, job: dict) -> None:
        webhook, attempt = job["webhook"], job["attempt"] + 1
        payload = {**job["payload"], "isRetry": attempt > 1}
        body = json.dumps({"event": payload}, separators=(",", ":")).encode()
        headers = {}
        if webhook["signed"]:
            now = int(self.clock.now())
            headers["Authorization"] = jwt_hs256({
                "accountId": int(webhook["account_id"]), "userId": payload.get("userId"), "aud": webhook["url"],
                "iat": now, "exp": now + UNCONFIRMED["delivery_jwt_lifetime"],
                "shortLivedToken": f"slt_{secrets.token_urlsafe(16)}"}, self.signing_secret)
        status, _, error = post_json(webhook["url"], body, headers, self.timeout)
        delivered = status is not None and 200 <= status < 300
        with self._cond:
            if job["generation"] != self._generation:
                return  # the sandbox was reset meanwhile
            self.deliveries.append({"webhook_id": webhook["id"], "url": webhook["url"], "attempt": attempt,
                                    "status": status, "error": error, "delivered": delivered,
                                    "signed": "Authorization" in headers, "event": payload})
            next_due = job["due"] + self.retry_interval
            if not delivered and next_due - job["first"] <= self.retry_window:
                self.queue.append({**job, "attempt": attempt, "due": next_due})
            self._cond.notify_all()
