"""State of its own for each pytest-xdist worker: `make test` runs the suite in several processes at once.

pytest-django gives each worker its own test database (`test_<name>_gw0`, ...). Everything else the tests
share is separated here, before Django reads its settings (this module is a plugin named in pytest.ini, and
plugins are imported before pytest-django loads the settings): `VAR_DIR` (the SQLite files, the filesystem
broker, the file cache, locks, mails, worker logs) becomes `var/xdist/<worker>/`, and every Redis key, Celery's
queues included, starts with `REDIS_KEY_PREFIX` = `test-<worker>:`. The worker, stack and demo processes a
test starts inherit both from the environment. Outside xdist nothing changes.
"""
from __future__ import annotations

import os
from pathlib import Path

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

if WORKER:
    _var = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parents[1] / "var")
    os.environ["VAR_DIR"] = str(_var / "xdist" / WORKER)
    os.environ["REDIS_KEY_PREFIX"] = f"{os.environ.get('REDIS_KEY_PREFIX', '')}test-{WORKER}:"


def cache_clear() -> None:
    """Empty the cache, and on Redis only this process's keys (the cache's `clear()` is a FLUSHDB, which
    would also wipe the tokens, rate-limit buckets and locks of the other workers)."""
    from django.conf import settings
    from django.core.cache import cache

    if not (settings.REDIS_URL and settings.REDIS_KEY_PREFIX):
        cache.clear()
        return
    from redis import Redis

    client = Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}*", count=1000))
    if keys:
        client.delete(*keys)
