"""Thin Celery tasks: ids in, one service call. Long waits are Celery retries; short ones stay in the client."""
import logging
import multiprocessing
import random
import threading

from celery import shared_task
from celery.signals import worker_shutting_down

from connections.vendors.errors import VendorError
from notifications.hooks import run_finished
from syncs.engine import sync_run_create, sync_run_execute
from syncs.models import Integration, SyncRun

logger = logging.getLogger(__name__)
MAX_RETRIES = 6


def _retry_delay(error: VendorError, retries: int) -> float:
    if error.retry_after:
        return error.retry_after
    return min(3600, 30 * (2 ** retries)) * random.uniform(0.5, 1.5)


DONE = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.SKIPPED)

# Set when this worker starts its warm shutdown (SIGTERM): the runs it works on settle their current page and
# are handed back to the broker instead of holding the shutdown until their last page.
_stopping = threading.Event()
# The same for a prefork pool: the signal is handled in the main process while the runs are in its children,
# forked after this module was imported, so the flag is in memory they share with it.
_stopping_shared = multiprocessing.RawValue("b", 0)


@worker_shutting_down.connect
def _worker_stopping(**kwargs) -> None:
    _stopping.set()
    _stopping_shared.value = 1


def _worker_is_stopping() -> bool:
    return _stopping.is_set() or bool(_stopping_shared.value)


@shared_task(bind=True, name="syncs.tasks.sync_run_task", max_retries=MAX_RETRIES, acks_late=True)
def sync_run_task(self, run_id: int, attempt: int | None = None) -> str:
    run = SyncRun.objects.select_related("integration__tenant").get(pk=run_id)
    if run.status in DONE or (attempt or 1) != run.attempt:
        # A late redelivery (Redis gives an unacked message back hours later): the run ended, or the reaper
        # already queued a newer attempt of it.
        logger.info("Run %s (attempt %s) is %s at attempt %s; this delivery is dropped.", run_id, attempt,
                    run.status, run.attempt)
        return run.status
    try:
        run = sync_run_execute(run=run, should_stop=_worker_is_stopping)
    except VendorError as error:
        # Only transient errors reach here (permanent ones end the run); resume from the cursor later.
        if self.request.retries >= self.max_retries:
            # Celery gives up: only now is the failure news.
            run_finished(run_id=run.pk, integration_id=run.integration_id, status=SyncRun.Status.FAILED)
        raise self.retry(exc=error, countdown=_retry_delay(error, self.request.retries))
    if run.status == SyncRun.Status.QUEUED:  # handed back at shutdown: another worker resumes it from its cursor
        sync_run_task.apply_async(args=[run.pk], kwargs={"attempt": run.attempt})
        logger.info("Run %s handed back at worker shutdown; it resumes from its cursor.", run.pk)
    return run.status


@shared_task(name="syncs.tasks.beat_heartbeat")
def beat_heartbeat() -> float:
    """Beat, every BEAT_HEARTBEAT_SECONDS: /healthz reports beat down when this is too old."""
    from mlconnector.health import beat_heartbeat_write

    return beat_heartbeat_write()


@shared_task(name="syncs.tasks.runs_reap")
def runs_reap() -> list[int]:
    """Beat, every SYNC_REAP_EVERY_SECONDS: runs whose worker died are resumed from their cursor."""
    from syncs.reaper import abandoned_runs_resume

    return abandoned_runs_resume()


@shared_task(name="syncs.tasks.integration_run_scheduled")
def integration_run_scheduled(integration_id: int) -> int | None:
    integration = Integration.objects.filter(pk=integration_id, enabled=True).first()
    if integration is None:
        return None
    run = sync_run_create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    sync_run_task.delay(run.pk)
    return run.pk


@shared_task(name="syncs.tasks.held_release_task")
def held_release_task(integration_id: int, keys: list[str]) -> int | None:
    from syncs.services import held_release

    run = held_release(integration=Integration.objects.get(pk=integration_id), keys=keys)
    return run.pk if run else None


@shared_task(name="syncs.tasks.mapping_reapply_task")
def mapping_reapply_task(mapping_id: int, include_untraced: bool = False) -> int | None:
    from syncs.models import ValueMapping
    from syncs.reapply import mapping_reapply

    mapping = ValueMapping.objects.select_related("integration__tenant").filter(pk=mapping_id).first()
    if mapping is None:  # deleted meanwhile: nothing to do
        return None
    run = mapping_reapply(mapping=mapping, include_untraced=include_untraced)
    return run.pk if run else None


# An event for a running integration waits: retried with pauses growing to 2 min, for about 70 minutes in all.
BUSY_RETRIES = 40


@shared_task(bind=True, name="syncs.tasks.inbound_event_process_task", max_retries=BUSY_RETRIES, acks_late=True)
def inbound_event_process_task(self, event_id: int) -> str | None:
    from syncs.inbound import IntegrationBusy, inbound_event_process, inbound_event_retrying, inbound_event_settle
    from syncs.models import InboundEvent

    event = InboundEvent.objects.select_related("tenant", "connection").filter(pk=event_id).first()
    if event is None or event.status != InboundEvent.Status.RECEIVED:
        return None  # deleted, or already settled by an earlier delivery of this task
    try:
        return inbound_event_process(event=event)
    except IntegrationBusy as busy:
        if self.request.retries >= self.max_retries:
            return inbound_event_settle(event=event, status=InboundEvent.Status.FAILED, error=busy,
                                        error_hint="The integration stayed busy; replay the event, or let the next "
                                                   "scheduled poll pick the change up.")
        inbound_event_retrying(event=event, error=busy)
        raise self.retry(countdown=min(120, 5 * 2 ** self.request.retries) * random.uniform(0.75, 1.25))
    except VendorError as error:  # transient only: the engine settles permanent ones inside the run
        if self.request.retries >= MAX_RETRIES:
            return inbound_event_settle(event=event, status=InboundEvent.Status.FAILED, error=error)
        inbound_event_retrying(event=event, error=error)
        raise self.retry(exc=error, countdown=_retry_delay(error, self.request.retries))
    except Exception as error:
        inbound_event_settle(event=event, status=InboundEvent.Status.FAILED, error=error)
        raise


@shared_task(name="syncs.tasks.intents_sweep")
def intents_sweep() -> list[int]:
    """Beat, every SYNC_SWEEP_EVERY_SECONDS: write intents of unknown outcome that no run brings back."""
    from syncs.sweeper import intents_sweep as sweep

    return sweep()


@shared_task(name="syncs.tasks.write_intents_reconcile_task")
def write_intents_reconcile_task(run_id: int, intent_ids: list[int]) -> str:
    from syncs.sweeper import write_intents_reconcile_run

    run = SyncRun.objects.select_related("integration__tenant").get(pk=run_id)
    if run.status in DONE:
        return run.status
    return write_intents_reconcile_run(run=run, intent_ids=intent_ids).status
