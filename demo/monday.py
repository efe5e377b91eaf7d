"""The demo's monday.com story: the first run put Visma's documents on a board; a board user then puts one supplier
invoice on hold, monday notifies our intake, and the worker sets `hold` on the invoice in Visma.

The sandbox runs in its own process, so the board user's click is its control route (not a monday API); the rest
is the product's own path: create_webhook (its challenge answered by our web server) → delivery → InboundEvent →
worker → Visma PUT with If-Match.
"""
from __future__ import annotations

import time

from django.urls import reverse

from connections.vendors import get_vendor
from demo.webhooks import sandbox_control, webhook_run_wait
from syncs.flows.visma_monday.board import board_webhook_ensure
from syncs.models import IdMap

FORWARD = ("supplier_invoices", "purchase_orders", "customer_invoices", "gl_accounts", "dimensions")


def demo_monday_status(*, integration, sandbox_url: str, web: str, timeout: float = 120) -> dict:
    """Returns {"items": {stream: items}, "run": the webhook SyncRun or None, "reference", "label", "hold"}."""
    integration.refresh_from_db()
    items = {stream: IdMap.objects.filter(integration=integration, stream=stream).count() for stream in FORWARD}
    board = (integration.options.get("boards") or {}).get("documents")
    invoice_map = IdMap.objects.filter(integration=integration, stream="supplier_invoices").order_by("pk").first()
    if board is None or invoice_map is None:
        return {"items": items, "run": None, "reference": "", "label": "", "hold": None, "seconds": 0.0}
    approval = board["columns"]["approval"]["id"]
    monday = get_vendor("monday").client_for(integration.destination)
    intake = web.rstrip("/") + reverse("inbound-hook", args=[integration.destination.webhook_token])
    board_webhook_ensure(client=monday, board_id=board["id"], url=intake, column_id=approval)
    reference = invoice_map.source_id.rsplit(":", 1)[-1]
    visma = get_vendor("visma").client_for(integration.source)
    path = f"v1/supplierInvoice/{reference}"
    label = "Approved" if visma.get(path)[0].get("hold") else "On hold"
    started = time.monotonic()
    sandbox_control(sandbox_url, "monday", "user_sets_status",
                    {"item_id": invoice_map.target_id, "column_id": approval, "label": label})
    run = webhook_run_wait(integration, started=started, timeout=timeout)
    return {"items": items, "run": run, "reference": reference, "label": label,
            "hold": visma.get(path)[0].get("hold"), "seconds": time.monotonic() - started}
