"""`sent` write intents that nothing brings back: found by beat, reconciled by their key in a run of their own.

A `sent` intent is normally settled by the page that planned it, or — after a crash — by the same page read
again from its cursor. One whose record is never planned again (a webhook run that died and whose event was
not retried, a record deleted at the source since) would stay unknown for good: the id map would not know
the destination record, the next change of that record would create it again. Beat calls `intents_sweep`
every SYNC_SWEEP_EVERY_SECONDS; intents older than SYNC_SWEEP_SENT_AFTER_SECONDS of integrations with no run
under way get a run (`write_intents_reconcile_run`) that looks each up by its key and settles, sends once or
holds it (syncs/engine/orphans.py). The admin's "reconcile now" queues the same run for chosen intents.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from syncs.models import Integration, IntegrationLock, SyncRun, WriteIntent

logger = logging.getLogger(__name__)
S = WriteIntent.State


def intents_sweep(*, now: datetime | None = None) -> list[int]:
    """Queue a reconciling run for every integration with intents left `sent` too long; returns the run ids."""
    now = now or timezone.now()
    stale = WriteIntent.objects.filter(state=S.SENT, sent_at__lt=now - timedelta(
        seconds=settings.SYNC_SWEEP_SENT_AFTER_SECONDS))
    busy = set(SyncRun.objects.filter(status__in=(SyncRun.Status.QUEUED, SyncRun.Status.RUNNING))
               .values_list("integration_id", flat=True))
    busy |= set(IntegrationLock.objects.filter(expires_at__gte=now).values_list("integration_id", flat=True))
    queued = []
    for integration_id in sorted(set(stale.values_list("integration_id", flat=True)) - busy):
        integration = Integration.objects.select_related("tenant").get(pk=integration_id)
        ids = list(stale.filter(integration=integration).values_list("pk", flat=True))
        queued.append(write_intents_reconcile_queue(integration=integration, intent_ids=ids))
        logger.warning("Integration %s has %s write(s) of unknown outcome left; reconciling them.", integration_id,
                       len(ids))
    return queued


def write_intents_reconcile(*, tenant, intent_ids: list[int]) -> list[int]:
    """"Reconcile now" for a person: the tenant's chosen `sent` intents, one queued run per integration."""
    rows = WriteIntent.objects.filter(tenant=tenant, pk__in=intent_ids, state=S.SENT).select_related("integration")
    by_integration: dict[int, list[int]] = {}
    integrations = {}
    for row in rows:
        by_integration.setdefault(row.integration_id, []).append(row.pk)
        integrations[row.integration_id] = row.integration
    return [write_intents_reconcile_queue(integration=integrations[i], intent_ids=ids)
            for i, ids in sorted(by_integration.items())]


def write_intents_reconcile_queue(*, integration: Integration, intent_ids: list[int]) -> int:
    from syncs.engine import sync_run_create
    from syncs.tasks import write_intents_reconcile_task

    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.REPLAY)
    transaction.on_commit(lambda: write_intents_reconcile_task.delay(run.pk, intent_ids))
    return run.pk


def write_intents_reconcile_run(*, run: SyncRun, intent_ids: list[int]) -> SyncRun:
    """The run that reconciles given `sent` intents under the integration's lease (syncs/engine/orphans.py)."""
    from syncs.engine.orphans import orphans_settle
    from syncs.engine.run import sync_run_work

    def work(state) -> None:
        rows = list(WriteIntent.objects.filter(integration=run.integration, pk__in=intent_ids, state=S.SENT))
        orphans_settle(state, rows)

    return sync_run_work(run=run, work=work)
