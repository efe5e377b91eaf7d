"""Per-vendor queues: a sync run goes to the queue of the vendor it waits on, so one slow vendor's backlog
fills its own queue and the other vendors' runs are still taken (a worker consuming several queues takes
from them in turn; a dedicated worker per queue isolates a vendor completely, see docs/operations.md).

Every flow has Visma.net at one end, so a run is named by its other end: Rippling → Visma runs on
`sync.rippling`, Visma → Power BI on `sync.powerbi`; a Visma → Visma integration on `sync.visma`.
Everything else (beat's reaper, inbound events, notifications) stays on the default queue.
"""
from __future__ import annotations

import pkgutil
from pathlib import Path

from kombu import Exchange, Queue

SYNC_TASK = "syncs.tasks.sync_run_task"
# Tasks that talk to an integration's vendors, and the model (with an `integration`) their first argument names:
# a drift report reads both vendors as a sync does, so it waits on the same vendor and shares its queue.
ROUTED = {SYNC_TASK: ("syncs.SyncRun", "run_id"), "drift.tasks.drift_report_task": ("drift.DriftReport", "report_id"),
          "drift.tasks.drift_item_resync_task": ("drift.DriftItem", "item_id")}
HUB_VENDOR = "visma"
VENDORS_DIR = Path(__file__).resolve().parent.parent / "connections" / "vendors"


def vendor_kinds() -> list[str]:
    """The vendor packages, found as the registry finds them, without importing them (settings load first)."""
    return sorted(info.name for info in pkgutil.iter_modules([str(VENDORS_DIR)]) if info.ispkg)


def vendor_queue(kind: str) -> str:
    return f"sync.{kind}"


def celery_queues(default_queue: str) -> list[Queue]:
    """The default queue and one per vendor: what a worker started without `-Q` consumes."""
    names = [default_queue] + [vendor_queue(kind) for kind in vendor_kinds()]
    return [Queue(name, Exchange(name), routing_key=name) for name in names]


def run_vendor(source_kind: str, destination_kind: str) -> str:
    if source_kind != HUB_VENDOR or destination_kind == HUB_VENDOR:
        return source_kind
    return destination_kind


def task_route(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): a sync run (or a drift report) → its vendor's queue. A queue given by the
    caller wins."""
    from django.apps import apps
    from django.conf import settings

    if name not in ROUTED or options.get("queue") or not settings.SYNC_VENDOR_QUEUES:
        return None
    model, argument = ROUTED[name]
    object_id = args[0] if args else (kwargs or {}).get(argument)
    kinds = (apps.get_model(model).objects.filter(pk=object_id)
             .values_list("integration__source__kind", "integration__destination__kind").first())
    if kinds is None:
        return None  # the task drops a run that does not exist, wherever it runs
    return {"queue": vendor_queue(run_vendor(*kinds))}
