"""Webhook delivery of the Visma sandbox: signed POSTs on a background thread, with retries (docs/vendors/visma.md §10).

Signing is the Visma Webhook Dispatcher's: header `x-vwd-signature-v1` =
base64(HMAC-SHA256(secret, raw UTF-8 body)). Payload shape and retry policy are
UNCONFIRMED (contract.UNCONFIRMED); every attempt is recorded in `deliveries`
so tests can assert on retries. One worker thread keeps a due-time heap, so a
slow receiver's backoff does not hold up deliveries to others.
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request

from sandbox.vendors.visma.contract import UNCONFIRMED

SIGNATURE_HEADER = "x-vwd-signature-v1"
# Deliveries go straight to the receiver, never through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def wants(events: list[str], event: str) -> bool:
    entity = event.split(".", 1)[0]
    return any(e in ("*", event, f"{entity}.*") for e in events)


class WebhookDispatcher:
    def __init__(self):
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, dict]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._pending = 0
        self.policy = dict(UNCONFIRMED["webhook_retry_policy"])
        self.subscriptions: list[dict] = []
        self.deliveries: list[dict] = []

    def reset(self) -> None:
        """Forget subscriptions, queued notifications and the delivery record; in-flight ones are dropped."""
        with self._cond:
            self._generation += 1
            self._heap.clear()
            self._pending = 0
            self.policy = dict(UNCONFIRMED["webhook_retry_policy"])
            self.subscriptions = []
            self.deliveries = []
            self._cond.notify_all()

    def subscribe(self, url: str, events: list[str], secret: str) -> dict:
        subscription = {"id": next(self._ids), "url": url, "events": list(events), "secret": secret}
        with self._cond:
            self.subscriptions.append(subscription)
        return subscription

    def publish(self, payload: dict) -> int:
        """Queue one notification to every subscription that wants its event; returns how many."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        with self._cond:
            matching = [s for s in self.subscriptions if wants(s["events"], payload["event"])]
            for subscription in matching:
                job = {"subscription": subscription, "body": body, "event": payload["event"],
                       "notification_id": payload.get("notificationId"), "attempt": 0,
                       "generation": self._generation}
                heapq.heappush(self._heap, (time.monotonic(), next(self._seq), job))
                self._pending += 1
            if matching:
                self._start_worker()
                self._cond.notify_all()
        return len(matching)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued notification is delivered or has used up its attempts."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def _start_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="visma-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    due = self._heap[0][0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        job = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(wait)
            self._deliver(job)

    def _deliver(self, job: dict) -> None:
        subscription, attempt = job["subscription"], job["attempt"] + 1
        status, error = None, ""
        request = urllib.request.Request(subscription["url"], data=job["body"], method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "Visma-Webhook-Dispatcher (sandbox)",
            SIGNATURE_HEADER: sign(subscription["secret"], job["body"])})
        try:
            with _OPENER.open(request, timeout=self.policy["timeout_seconds"]) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivered = status is not None and 200 <= status < 300
        with self._cond:
            if job["generation"] != self._generation:
                return  # the sandbox was reset meanwhile
            self.deliveries.append({
                "subscription_id": subscription["id"], "url": subscription["url"], "event": job["event"],
                "notification_id": job["notification_id"], "attempt": attempt, "status": status, "error": error,
                "delivered": delivered, "body": job["body"].decode()})
            if not delivered and attempt < self.policy["attempts"]:
                delay = self.policy["backoff_seconds"] * 2 ** (attempt - 1)
                heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), {**job, "attempt": attempt}))
            else:
                self._pending -= 1
            self._cond.notify_all()
