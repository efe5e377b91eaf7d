import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from connections.vendors.errors import VendorRateLimited
from syncs.engine import sync_run_create
from syncs.locks import LeaseLost, lock_acquire
from syncs.models import IntegrationLock
from syncs.ratelimit import SharedRateLimiter
from syncs.services import integration_create
from tests.factories import ConnectionFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def integration(tenant_a):
    return integration_create(tenant=tenant_a, name="HR", flow_kind="rippling_visma",
                              source=ConnectionFactory(tenant=tenant_a, kind="rippling"),
                              destination=ConnectionFactory(tenant=tenant_a, kind="visma"))


def test_a_second_lease_is_refused_until_released(integration):
    first = lock_acquire(integration_id=integration.pk)
    assert first is not None
    assert lock_acquire(integration_id=integration.pk) is None

    first.release()
    assert lock_acquire(integration_id=integration.pk) is not None


def test_an_expired_lease_is_taken_over(integration):
    stale = lock_acquire(integration_id=integration.pk, ttl=timedelta(seconds=-1))
    fresh = lock_acquire(integration_id=integration.pk)

    assert fresh is not None and fresh.owner != stale.owner
    with pytest.raises(LeaseLost):
        stale.renew()  # the dead worker's lease is gone: it must stop, not carry on
    assert IntegrationLock.objects.get(integration=integration).owner == fresh.owner


def test_a_redelivered_run_takes_over_its_own_lease(integration):
    first, other = sync_run_create(integration=integration), sync_run_create(integration=integration)
    dead_delivery = lock_acquire(integration_id=integration.pk, run_id=first.pk)

    assert lock_acquire(integration_id=integration.pk, run_id=other.pk) is None  # another run: still held
    redelivered = lock_acquire(integration_id=integration.pk, run_id=first.pk)

    assert redelivered is not None and redelivered.owner != dead_delivery.owner
    with pytest.raises(LeaseLost):
        dead_delivery.renew()  # were the first delivery still alive, it would stop here
    redelivered.renew()


def test_the_lease_is_short_and_renewed(integration, settings):
    settings.SYNC_LEASE_TTL_SECONDS = 90
    lease = lock_acquire(integration_id=integration.pk)
    IntegrationLock.objects.update(expires_at=timezone.now() + timedelta(seconds=5))

    lease.renew()

    left = IntegrationLock.objects.get().expires_at - timezone.now()
    assert timedelta(seconds=80) < left <= timedelta(seconds=90)


def test_retry_after_blocks_every_limiter_of_the_account(db):
    slept = []
    worker_a = SharedRateLimiter("visma:1", sleep=slept.append)
    worker_b = SharedRateLimiter("visma:1", sleep=slept.append)

    worker_a.backoff(2)
    worker_b.acquire()

    assert len(slept) == 1 and 1.0 < slept[0] <= 2.0
    assert cache.get("ratelimit-block:visma:1") > time.time()


def test_a_long_block_is_handed_to_celery(db):
    limiter = SharedRateLimiter("visma:2", max_wait=5)
    limiter.backoff(600)

    with pytest.raises(VendorRateLimited) as caught:
        limiter.acquire()
    assert caught.value.retry_after > 590


def test_declared_rates_are_enforced_across_limiters(db):
    rates = ((3, 1.0),)
    one, two = SharedRateLimiter("powerbi:test-rate", rates), SharedRateLimiter("powerbi:test-rate", rates)
    started = time.monotonic()
    for limiter in (one, two, one, two):
        limiter.acquire()
    # The fourth call had to wait for the 1-second window shared by both limiters.
    assert time.monotonic() - started >= 0.5


def test_scoped_rates_count_weights_per_key_apart_from_requests(db):
    from connections.vendors.base import RateLimit

    rates = (RateLimit(2, 60.0), RateLimit(10, 60.0, scope="rows"))
    limiter = SharedRateLimiter(f"powerbi:test-scoped-{time.time()}", rates, max_wait=0.2)
    limiter.acquire(scope="rows", key="dataset-a", weight=6)
    limiter.acquire(scope="rows", key="dataset-b", weight=6)  # another dataset, its own budget

    with pytest.raises(VendorRateLimited, match="rows quota for dataset-a"):
        limiter.acquire(scope="rows", key="dataset-a", weight=5)
    limiter.acquire(scope="rows", key="dataset-a", weight=4)
    limiter.acquire(scope="posts", key="dataset-a", weight=1_000)  # no rate declared for that scope
    limiter.acquire()
    limiter.acquire()  # the request budget is untouched by the rows


LIMITED_PROCESS = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "mlconnector.settings"
django.setup()
from connections.vendors.errors import VendorRateLimited
from syncs.ratelimit import SharedRateLimiter
limiter = SharedRateLimiter("powerbi:two-processes", ((3, 30.0),), max_wait=float(sys.argv[2]))
try:
    for _ in range(int(sys.argv[1])):
        limiter.acquire()
except VendorRateLimited:
    print("limited")
else:
    print("acquired")
"""


def test_two_worker_processes_share_the_sqlite_quota(tmp_path):
    """Each worker is its own Python process, with its own `hash()` seed: the quota must still be one."""
    def worker(calls: int, max_wait: float, seed: str) -> str:
        env = {**os.environ, "VAR_DIR": str(tmp_path), "REDIS_URL": "", "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", LIMITED_PROCESS, str(calls), str(max_wait)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert worker(3, 1.0, seed="1") == "acquired"  # the first process uses the whole 3-per-30 s quota
    assert worker(1, 0.5, seed="2") == "limited"  # the second finds it used up
