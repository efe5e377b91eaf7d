"""The demo's webhook story: Rippling's sandbox notifies our intake of a change, the worker writes it to Visma.

The sandbox runs in its own process, so it is told through its control routes (not a Rippling API):
where to send notifications (in the real Rippling, the App Shop app's development package) and which
worker to change. What happens next is the product's own path: intake → InboundEvent → worker → Visma.
"""
from __future__ import annotations

import time

import requests
from django.urls import reverse

from connections.vendors import get_vendor
from syncs.models import IdMap, InboundEvent, SyncRun

DEMO_EMAIL = "ada.webhook@example.com"


def demo_webhook_change(*, integration, sandbox_url: str, web: str, timeout: float = 120) -> dict:
    """Register the intake URL, change one worker's e-mail at Rippling, wait for the webhook run.

    Returns {"run": SyncRun | None, "event": InboundEvent | None, "email": what Visma holds now}."""
    intake = web.rstrip("/") + reverse("inbound-hook", args=[integration.source.webhook_token])
    sandbox_control(sandbox_url, "rippling", "register_webhook", {"url": intake})
    source = get_vendor("rippling").client_for(integration.source)
    worker = next(iter(source.worker_pages(page_size=1)), None).results[0]
    started = time.monotonic()
    sandbox_control(sandbox_url, "rippling", "update_worker", {"worker_id": worker["id"], "work_email": DEMO_EMAIL})
    run = webhook_run_wait(integration, started=started, timeout=timeout)
    event = InboundEvent.objects.filter(connection=integration.source).order_by("-pk").first()
    target = IdMap.objects.filter(integration=integration, stream="employees",
                                  source_id=worker.get("user_id") or worker["id"]).first()
    email = ""
    if target is not None:
        employee, _ = get_vendor("visma").client_for(integration.destination).get_employee(target.target_id)
        email = ((employee.get("contact") or {}).get("email")) or ""
    return {"run": run, "event": event, "email": email, "seconds": time.monotonic() - started}


def sandbox_control(sandbox_url: str, vendor: str, action: str, payload: dict | None = None):
    """Play the vendor's own user through the sandbox's control route (`/<vendor>/_control/<action>`): the
    sandbox is the outside world, so this is a person at Rippling/Paychex/monday, not a vendor API call."""
    answer = requests.post(f"{sandbox_url.rstrip('/')}/{vendor}/_control/{action}", json=payload or {}, timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def webhook_run_wait(integration, *, started: float, timeout: float) -> SyncRun | None:
    """The first finished webhook-triggered run of the integration, waiting up to `timeout` from `started`."""
    done = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED)
    while time.monotonic() - started < timeout:
        run = SyncRun.objects.filter(integration=integration, trigger=SyncRun.Trigger.WEBHOOK,
                                     status__in=done).order_by("-pk").first()
        if run is not None:
            return run
        time.sleep(0.3)
    return None
