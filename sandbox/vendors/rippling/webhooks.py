"""Rippling App Shop webhooks sent by the sandbox (docs/vendors/rippling.md §8).

When the company's data changes, each registered URL (in the real Rippling, the partner's development
package) gets a form-encoded POST: `event_name`, `company_id`, `company_primary_email`, `id`. Deliveries
run on a background thread with a timeout, so a slow receiver never slows the API. Tests tell the
sender to drop or repeat the next notifications, to prove the intake dedupes and the backstop repairs.
"""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from sandbox.vendors.rippling.contract import COMPANY_ID, UNCONFIRMED

COMPANY_PRIMARY_EMAIL = "admin@sandbox-company.example.com"


@dataclass
class Delivery:
    url: str
    event_name: str
    employee_id: str
    status: int | None = None  # None: dropped on purpose, or no answer within the timeout
    dropped: bool = False


class WebhookSender:
    def __init__(self):
        self.urls: list[str] = []
        self.deliveries: list[Delivery] = []
        self._drop = 0
        self._repeat = 0
        self._repeat_times = 2
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.timeout = UNCONFIRMED["webhook_timeout_seconds"]

    def register(self, url: str) -> dict:
        if url not in self.urls:
            self.urls.append(url)
        return {"urls": list(self.urls)}

    def drop_next(self, count: int = 1) -> dict:
        """The next `count` notifications are never sent (Rippling documents no retry)."""
        with self._lock:
            self._drop += int(count)
        return {"drop": self._drop}

    def repeat_next(self, count: int = 1, times: int = 2) -> dict:
        """The next `count` notifications are each sent `times` times, as a burst of duplicates."""
        with self._lock:
            self._repeat, self._repeat_times = int(count), max(1, int(times))
        return {"repeat": self._repeat, "times": self._repeat_times}

    def notify(self, event_name: str, employee_id: str) -> None:
        if not self.urls:
            return
        with self._lock:
            dropped = self._drop > 0
            self._drop -= dropped
            times = 1
            if not dropped and self._repeat > 0:
                self._repeat -= 1
                times = self._repeat_times
        body = urlencode({"event_name": event_name, "id": employee_id, "company_id": COMPANY_ID,
                          "company_primary_email": COMPANY_PRIMARY_EMAIL}).encode()
        for url in self.urls:
            if dropped:
                self._record(Delivery(url, event_name, employee_id, dropped=True))
                continue
            for _ in range(times):
                delivery = Delivery(url, event_name, employee_id)
                self._record(delivery)
                thread = threading.Thread(target=self._send, args=(delivery, body), daemon=True,
                                          name="rippling-webhook")
                with self._lock:
                    self._threads.append(thread)
                # One after the other per change, so a burst arrives as a burst but in order.
                thread.start()
                thread.join(0.05)

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)

    def _send(self, delivery: Delivery, body: bytes) -> None:
        request = urllib.request.Request(delivery.url, data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                delivery.status = response.status
        except urllib.error.HTTPError as error:
            delivery.status = error.code
        except (OSError, ValueError):
            delivery.status = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until every delivery started so far has been answered (tests, the demo)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in threads)
