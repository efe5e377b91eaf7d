"""Per-integration lease: overlapping beat ticks or manual runs never run one integration twice at once."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from syncs.models import IntegrationLock

DEFAULT_TTL = timedelta(minutes=15)


class LeaseLost(Exception):
    """The lease was taken by another run (ours had expired): this run must stop."""


@dataclass
class Lease:
    integration_id: int
    owner: str
    ttl: timedelta

    def renew(self) -> bool:
        return bool(IntegrationLock.objects.filter(integration_id=self.integration_id, owner=self.owner).update(
            expires_at=timezone.now() + self.ttl))

    def release(self) -> None:
        IntegrationLock.objects.filter(integration_id=self.integration_id, owner=self.owner).delete()


def lock_acquire(*, integration_id: int, run_id: int | None = None, ttl: timedelta = DEFAULT_TTL) -> Lease | None:
    """Take the lease, or return None if a live one is held by someone else."""
    owner = uuid.uuid4().hex
    now = timezone.now()
    # An expired lease (its worker died) is taken over atomically.
    if IntegrationLock.objects.filter(integration_id=integration_id, expires_at__lt=now).update(
            owner=owner, expires_at=now + ttl):
        return Lease(integration_id, owner, ttl)
    try:
        with transaction.atomic():
            IntegrationLock.objects.create(integration_id=integration_id, owner=owner, expires_at=now + ttl)
    except IntegrityError:
        return None
    return Lease(integration_id, owner, ttl)


def run_heartbeat(*, run_id: int) -> None:
    """Tell the reaper this run's worker is alive (called after every page and while writes are in flight)."""
