"""What the fleet benchmark measures: the Visma → Power BI integrations it creates, a phase (every run queued
at once on fresh workers, timed from the SyncRun rows), and the beat phase (beat's sends read from its own log,
runs per send, "Run now" against the lease, overlaps)."""
from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks.scaling.processes import Processes, workers_start
from tests.support.worker import wait_for  # imports nothing of Django's until called

STREAMS = ["GLAccounts", "Payments"]


def integrations_create(*, sandbox_url: str, tenants: list, label: str, enabled: bool = False) -> list:
    from connections.models import Connection
    from demo.setup import sandbox_connection_fields
    from syncs.services import integration_create

    made = []
    for tenant in tenants:
        source = Connection.objects.create(tenant=tenant, name=f"Visma {label}",
                                           **sandbox_connection_fields("visma", sandbox_url))
        destination = Connection.objects.create(tenant=tenant, name=f"Power BI {label}",
                                                **sandbox_connection_fields("powerbi", sandbox_url))
        made.append(integration_create(
            tenant=tenant, name=f"Finance → BI {label}", flow_kind="visma_powerbi", source=source,
            destination=destination, streams=STREAMS, enabled=enabled,
            options={"dataset_name": f"Fleet {tenant.slug} {label}", "drift_cron": "off"}))
    return made


def phase(procs: Processes, integrations: list, *, workers: int, queue: str, concurrency: int, tag: str,
          retiring: list = ()) -> dict:
    """The integrations' runs queued at once on `workers` fresh worker processes, which stay up (returned as
    "workers": the beat phase uses the two of the second phase). `retiring`: the previous phase's workers, sent
    SIGTERM before these start and gone before anything is measured."""
    from syncs.engine import sync_run_create
    from syncs.models import SyncRun
    from syncs.tasks import sync_run_task

    started = workers_start(procs, workers, queue, concurrency, tag)
    for process in retiring:
        procs.stop(process)
    runs = [sync_run_create(integration=i, trigger=SyncRun.Trigger.MANUAL) for i in integrations]
    for run in runs:
        sync_run_task.apply_async(args=[run.pk], queue=queue)
    ids = [r.pk for r in runs]
    ended = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED)
    wait_for(lambda: SyncRun.objects.filter(pk__in=ids, status__in=ended).count() == len(ids), timeout=1800,
             message=f"{len(ids)} runs on {workers} worker(s)", interval=0.5)
    rows = SyncRun.objects.filter(pk__in=ids)
    first = min(r.queued_at for r in rows)
    last = max(r.finished_at for r in rows)
    statuses = {}
    for r in rows:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    # How long one run took (started → finished): what CPU contention stretches when two workers share the cores.
    each = [(r.finished_at - r.started_at).total_seconds() for r in rows if r.started_at]
    return {"seconds": (last - first).total_seconds(), "statuses": statuses, "workers": started,
            "run_seconds": sum(each) / max(len(each), 1),
            "records": sum(r.created + r.updated for r in rows), "http_calls": sum(r.http_calls for r in rows)}


def beat_phase(procs: Processes, integrations: list, *, queue: str, interval: int, seconds: float,
               workers: list) -> dict:
    """On the two workers of the second phase (still up), stopped at the end."""
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from syncs.models import SyncRun

    every, _ = IntervalSchedule.objects.get_or_create(every=interval, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(integration__in=integrations).update(interval=every, crontab=None)
    started = workers
    since = timezone.now()
    beat = procs.start("beat", [sys.executable, "-m", "celery", "-A", "mlconnector", "beat", "-l", "INFO",
                                "--max-interval", "1", "-s", str(procs.root / "beat-schedule")],
                       LOG_LEVEL="INFO")  # its "Sending due task" lines are the record of what it enqueued
    # "Run now" for every integration just after beat's second tick, while its scheduled runs are under way: the
    # lease must make each one that meets a running run `skipped`, never a second run at once.
    wait_for(lambda: SyncRun.objects.filter(integration__in=integrations, trigger=SyncRun.Trigger.SCHEDULE).count()
             >= len(integrations) * 2, timeout=seconds + 120, message="beat's second tick", interval=0.2)
    from syncs.engine import sync_run_create
    from syncs.tasks import sync_run_task

    for integration in integrations:
        sync_run_task.apply_async(args=[sync_run_create(integration=integration).pk], queue=queue)
    time.sleep(max(0.0, seconds - (timezone.now() - since).total_seconds()))
    procs.stop(beat)
    window = (timezone.now() - since).total_seconds()
    ids = [i.pk for i in integrations]
    every_run = SyncRun.objects.filter(integration_id__in=ids, queued_at__gte=since)
    wait_for(lambda: not every_run.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]).exists(),
             timeout=600, message="the runs to end", interval=0.5)
    runs = every_run.filter(trigger=SyncRun.Trigger.SCHEDULE)
    procs.terminate(started)
    for process in started:
        procs.stop(process)
    per_integration: dict[int, list] = {pk: [] for pk in ids}
    for run in runs.order_by("queued_at"):
        per_integration[run.integration_id].append(run)
    overlaps = 0
    for pk in ids:  # every run of the integration, scheduled or "Run now"; a skipped one never started working
        ran = sorted((r for r in every_run.filter(integration_id=pk) if r.started_at and r.finished_at
                      and r.status != SyncRun.Status.SKIPPED), key=lambda r: r.started_at)
        overlaps += sum(1 for a, b in zip(ran, ran[1:]) if b.started_at < a.finished_at)
    manual = every_run.filter(trigger=SyncRun.Trigger.MANUAL)
    statuses: dict[str, int] = {}
    for rows in per_integration.values():
        for r in rows:
            statuses[r.status] = statuses.get(r.status, 0) + 1
    sends = beat_sends(procs.root / "beat.log", set(ids))
    gaps = [b - a for times in sends.values() for a, b in zip(times, times[1:])]
    return {"window": window, "expected": window / interval, "sends_min": min(len(v) for v in sends.values()),
            "sends_max": max(len(v) for v in sends.values()), "sends": sum(len(v) for v in sends.values()),
            "gap_min": min(gaps, default=0), "gap_max": max(gaps, default=0),
            "runs_equal_sends": all(len(per_integration[pk]) == len(sends[pk]) for pk in ids),
            "runs": sum(len(v) for v in per_integration.values()), "overlaps": overlaps, "statuses": statuses,
            "manual": manual.count(), "manual_skipped": manual.filter(status=SyncRun.Status.SKIPPED).count()}


SENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+) .*Sending due task integration-(\d+):")


def beat_sends(log: Path, ids: set[int]) -> dict[int, list[float]]:
    """When beat sent each integration's task, from its own log lines ("Sending due task integration-<id>: …")."""
    sends: dict[int, list[float]] = {pk: [] for pk in ids}
    for line in log.read_text().splitlines():
        found = SENT.match(line)
        if found and int(found.group(2)) in sends:
            moment = datetime.strptime(found.group(1).replace(",", "."), "%Y-%m-%d %H:%M:%S.%f")
            sends[int(found.group(2))].append(moment.timestamp())
    return sends
