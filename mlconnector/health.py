"""/healthz for load balancers and monitors: database, broker, beat's heartbeat age, live workers.

No authentication and no tenant data. The database and broker checks are one round trip each; the worker
ping (a broadcast that waits for answers) is the expensive part, so its answer is cached a few seconds.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BEAT_KEY = "ops:beat-heartbeat"
WORKERS_KEY = "ops:workers-alive"


def beat_heartbeat_write() -> float:
    now = time.time()
    cache.set(BEAT_KEY, now, timeout=None)
    return now


def database_check() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def broker_check() -> dict:
    from mlconnector.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_PING_TIMEOUT)
    return {"ok": True}


def beat_check() -> dict:
    beat = cache.get(BEAT_KEY)
    if beat is None:
        return {"ok": False, "error": "beat has written no heartbeat yet"}
    age = round(time.time() - beat, 1)
    ok = age <= settings.BEAT_STALE_SECONDS
    return {"ok": ok, "age_seconds": age, **({} if ok else {"error": f"the last heartbeat is {age}s old"})}


def workers_check() -> dict:
    count = cache.get(WORKERS_KEY)
    if count is None:
        from mlconnector.celery import app

        answers = app.control.inspect(timeout=settings.HEALTH_PING_TIMEOUT).ping() or {}
        count = len(answers)
        cache.set(WORKERS_KEY, count, timeout=settings.HEALTH_CACHE_SECONDS)
    ok = count >= settings.HEALTH_MIN_WORKERS
    return {"ok": ok, "count": count, **({} if ok else {"error": f"{count} workers answered the ping"})}


CHECKS = {"database": database_check, "broker": broker_check, "beat": beat_check, "workers": workers_check}


def health_report() -> dict:
    report = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as error:  # the part is down: say which, and how it failed (no secrets in these)
            report[name] = {"ok": False, "error": f"{type(error).__name__}: {str(error)[:200]}"}
    return report


@never_cache
@require_GET
def healthz(request):
    checks = health_report()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
