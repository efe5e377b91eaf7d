"""Paychex webhooks: the hook registry and the deliveries (docs/vendors/paychex.md §8).

Deliveries are notification-only JSON POSTed to the hook's URI with the hook's authentication (Basic,
API key, or a bearer token first fetched from the receiver's OAuth2 token URL). They leave from one
background thread, never from the request that caused them. A non-2xx answer (or none) is retried every
`retry_seconds` of the *sandbox* clock, until it succeeds: tests advance the clock instead of waiting five
minutes. Two switches mimic a real queue's manners: `duplicate` sends every notification twice, and
`out_of_order` holds notifications until `release()`, which sends them newest first.
"""
from __future__ import annotations

import base64
import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone

from sandbox.vendors.paychex.contract import UNCONFIRMED

# Deliveries go straight to the receiver, never through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# While deliveries wait for the sandbox clock, the worker looks at it this often (the clock jumps in tests).
_CLOCK_POLL_SECONDS = 0.05


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds")


class HookDispatcher:
    def __init__(self, clock):
        self.clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, dict]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._in_flight = 0
        self.hooks: dict[str, dict] = {}  # hookId → hook (with its owner application and authentication)
        self.deliveries: list[dict] = []  # every attempt, for tests
        self.held: list[dict] = []
        self.retry_seconds = UNCONFIRMED["webhook_retry_seconds"]
        self.timeout = UNCONFIRMED["webhook_timeout_seconds"]
        self.duplicate = False
        self.out_of_order = False

    def reset(self) -> None:
        with self._cond:
            self._generation += 1
            self._heap.clear()
            self.hooks, self.deliveries, self.held = {}, [], []
            self.retry_seconds = UNCONFIRMED["webhook_retry_seconds"]
            self.duplicate = self.out_of_order = False
            self._cond.notify_all()

    # --- the registry ---------------------------------------------------------------------------------
    def register(self, *, client_id: str, uri: str, domains: list[str], authentication: dict,
                 company_id: str | None) -> dict:
        hook = {"hookId": str(uuid.uuid4()), "uri": uri, "authType": authentication["authType"],
                "createdDate": iso(self.clock.now()).replace("+00:00", "Z"), "domains": list(domains),
                "_client_id": client_id, "_authentication": dict(authentication)}
        if company_id:
            hook["companyId"] = company_id
        with self._cond:
            self.hooks[hook["hookId"]] = hook
        return hook

    def hooks_of(self, client_id: str) -> list[dict]:
        with self._cond:
            return [h for h in self.hooks.values() if h["_client_id"] == client_id]

    def delete(self, hook_id: str) -> None:
        with self._cond:
            self.hooks.pop(hook_id, None)

    @staticmethod
    def public(hook: dict) -> dict:
        """The hook as GET /management/hooks shows it: never the authentication's secrets (SPEC WebhookResponse)."""
        return {k: v for k, v in hook.items() if not k.startswith("_")}

    # --- notifications ----------------------------------------------------------------------------------
    def publish(self, *, company_id: str, domain: str, action: str, linked_apps: set[str],
                worker_id: str | None = None, notification_type: str = "WORKER_MESSAGE") -> dict:
        """Queue one notification to every hook that wants it: its application is linked to the company, its
        scope is that company or all of them, and it registered the domain. Returns the notification."""
        notification = {"companyId": company_id}
        if worker_id:
            notification["workerId"] = worker_id
        notification.update({"asOfDate": iso(self.clock.now()), "domains": [domain], "action": action,
                             "notificationType": notification_type, "notificationId": str(uuid.uuid4())})
        with self._cond:
            hooks = [h for h in self.hooks.values()
                     if h["_client_id"] in linked_apps and h.get("companyId") in (None, company_id)
                     and domain in h["domains"]]
            jobs = [{"hook_id": h["hookId"], "notification": notification, "attempt": 0,
                     "generation": self._generation} for h in hooks]
            if self.duplicate:
                jobs = [job for job in jobs for _ in range(2)]
            if self.out_of_order:
                self.held.extend(jobs)
            else:
                self._queue(jobs)
        return notification

    def release(self) -> int:
        """Send what `out_of_order` held back, newest first."""
        with self._cond:
            jobs, self.held = list(reversed(self.held)), []
            self._queue(jobs)
        return len(jobs)

    def _queue(self, jobs: list[dict], due: float | None = None) -> None:
        due = self.clock.now() if due is None else due
        for job in jobs:
            heapq.heappush(self._heap, (due, next(self._seq), job))
        if jobs:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="paychex-hooks", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every delivery that is due has been attempted (retries waiting for the clock excepted)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight or (self._heap and self._heap[0][0] <= self.clock.now()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, _CLOCK_POLL_SECONDS))
        return True

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > self.clock.now():
                    self._cond.wait(_CLOCK_POLL_SECONDS if self._heap else None)
                job = heapq.heappop(self._heap)[2]
                hook = self.hooks.get(job["hook_id"])
                if hook is None or job["generation"] != self._generation:
                    self._cond.notify_all()
                    continue  # hook deleted (UNCONFIRMED["webhook_deleted_hook_drops_retries"]) or sandbox reset
                self._in_flight += 1
            try:
                status, error = self._deliver(hook, job["notification"])
            finally:
                with self._cond:
                    self._in_flight -= 1
            self._settle(hook, job, status, error)

    def _settle(self, hook: dict, job: dict, status: int | None, error: str) -> None:
        delivered = status is not None and 200 <= status < 300
        attempt = job["attempt"] + 1
        with self._cond:
            if job["generation"] == self._generation:
                self.deliveries.append({"hook_id": hook["hookId"], "uri": hook["uri"], "attempt": attempt,
                                        "status": status, "error": error, "delivered": delivered,
                                        "at": self.clock.now(), "notification": job["notification"]})
                if not delivered:  # "retried every 5 minutes until success" (docs/vendors/paychex.md §8)
                    self._queue([{**job, "attempt": attempt}], due=self.clock.now() + self.retry_seconds)
            self._cond.notify_all()

    # --- one HTTP delivery -----------------------------------------------------------------------------
    def _deliver(self, hook: dict, notification: dict) -> tuple[int | None, str]:
        try:
            headers = {"Content-Type": "application/json", "User-Agent": "Paychex-Webhooks (sandbox)",
                       **self._auth_headers(hook["_authentication"])}
            request = urllib.request.Request(hook["uri"], data=json.dumps(notification).encode(), method="POST",
                                             headers=headers)
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    def _auth_headers(self, auth: dict) -> dict:
        kind = auth["authType"]
        if kind == "BASIC_AUTH":
            pair = f"{auth.get('username', '')}:{auth.get('password', '')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if kind in ("API_KEY", "APIKEY"):
            return {UNCONFIRMED["webhook_api_key_header"]: auth.get("apiKey", "")}
        if kind in ("OAUTH2", "OAUTH2_BASIC"):
            return {"Authorization": "Bearer " + self._receiver_token(auth)}
        return {}

    def _receiver_token(self, auth: dict) -> str:
        """Paychex first fetches a token from the receiver's own token URL (SPEC Authentication1)."""
        form = {"grant_type": auth.get("grantType") or "client_credentials"}
        headers = {"Content-Type": auth.get("contentType") or "application/x-www-form-urlencoded"}
        if auth["authType"] == "OAUTH2_BASIC":
            pair = f"{auth.get('clientId', '')}:{auth.get('clientSecret', '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            form.update(client_id=auth.get("clientId", ""), client_secret=auth.get("clientSecret", ""))
        request = urllib.request.Request(auth["tokenUrl"], data=urllib.parse.urlencode(form).encode(),
                                         method="POST", headers=headers)
        with _OPENER.open(request, timeout=self.timeout) as response:
            return json.loads(response.read())["access_token"]
