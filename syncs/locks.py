"""Per-integration lease and run heartbeat: one run of an integration at a time, and a dead worker noticed.

The lease belongs to a run. Its TTL is short and renewed with the heartbeat, so a dead worker frees it
within a minute or two; a redelivered task of the same run takes its own lease over instead of calling
itself "skipped". Every acquisition gets a fresh owner token: a process whose lease was taken (the reaper
declared it dead, or its task was redelivered elsewhere) finds out at its next renewal (`LeaseLost`) and
stops before it writes another checkpoint.
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from syncs.models import IntegrationLock, SyncRun

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The lease was taken over: another process now runs this integration, so this one must stop."""


def lease_ttl() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_TTL_SECONDS)


@dataclass
class Lease:
    integration_id: int
    owner: str
    ttl: timedelta
    run_id: int | None = None
    lost: bool = field(default=False, compare=False)  # set by the heartbeat thread

    def renew(self) -> None:
        """Extend the lease; raise LeaseLost if it is no longer ours. Inside the checkpoint's transaction this
        fences the write: on PostgreSQL the row stays locked until commit, on SQLite the database does."""
        if self.lost or not _extend(self.integration_id, self.owner, timezone.now() + self.ttl):
            self.lost = True
            raise LeaseLost(f"The lease on integration {self.integration_id} was taken over; this run stops here.")

    def release(self) -> None:
        IntegrationLock.objects.filter(integration_id=self.integration_id, owner=self.owner).delete()


def _extend(integration_id: int, owner: str, expires_at) -> bool:
    """The renewal's UPDATE as a plain statement: it runs three times a page, and compiling it as a queryset
    cost more CPU than the database took to run it."""
    quote, meta = connection.ops.quote_name, IntegrationLock._meta
    column = {name: quote(meta.get_field(name).column) for name in ("expires_at", "integration", "owner")}
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {column['expires_at']} = %s "
                       f"WHERE {column['integration']} = %s AND {column['owner']} = %s",
                       [meta.get_field("expires_at").get_db_prep_save(expires_at, connection), integration_id, owner])
        return cursor.rowcount > 0


def lock_acquire(*, integration_id: int, run_id: int | None = None, ttl: timedelta | None = None) -> Lease | None:
    """Take the lease, or return None if a live lease of another run holds it."""
    ttl = lease_ttl() if ttl is None else ttl
    owner = uuid.uuid4().hex
    now = timezone.now()
    # An expired lease (its worker died) or this run's own lease (its task was redelivered) is taken over
    # atomically: one UPDATE, so two takers cannot both win.
    takeover = Q(expires_at__lt=now) | (Q(run_id=run_id) if run_id is not None else Q(pk__in=[]))
    if IntegrationLock.objects.filter(takeover, integration_id=integration_id).update(
            owner=owner, run_id=run_id, expires_at=now + ttl):
        return Lease(integration_id, owner, ttl, run_id)
    try:
        with transaction.atomic():
            IntegrationLock.objects.create(integration_id=integration_id, run_id=run_id, owner=owner,
                                           expires_at=now + ttl)
    except IntegrityError:
        return None
    return Lease(integration_id, owner, ttl, run_id)


def run_heartbeat(*, run_id: int) -> None:
    """This run's worker is alive (called after every page and by the heartbeat thread)."""
    SyncRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())


@contextmanager
def lease_kept_alive(*, lease: Lease, run_id: int | None = None):
    """Beat and renew from a thread while the run works, so a slow page (long vendor waits) is not taken for
    a dead worker. A lost lease is only flagged here; the run stops at its next `lease.renew()`. Without a
    run (a drift report holding the lease) only the lease is renewed.

    Not started inside an open transaction (tests that wrap everything in one): another thread's connection
    could not see the run's rows, and on SQLite would wait for that transaction's write lock.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.SYNC_HEARTBEAT_SECONDS):
                try:
                    lease.renew()
                    if run_id is not None:
                        run_heartbeat(run_id=run_id)
                except LeaseLost:
                    logger.warning("Run %s lost its lease on integration %s.", run_id or "(none)",
                                   lease.integration_id)
                    return
                except Exception:  # a database hiccup: the next beat tries again, the TTL leaves room for it
                    logger.exception("Heartbeat of run %s failed", run_id)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"lease-{lease.integration_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
