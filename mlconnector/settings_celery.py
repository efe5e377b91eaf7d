"""Celery settings: the broker (kombu's filesystem one by default, Redis in production), how tasks are
acknowledged, limited and routed to per-vendor queues, and beat's scheduler.

A section of `mlconnector/settings.py`, which reads the environment once and hands its reader in. Beat's
system schedule (reaper, sweeper, heartbeat) is in `settings_sync.py`, beside the intervals it uses.
"""
from pathlib import Path

import environ

from mlconnector.routing import celery_queues


def celery_settings(env: environ.Env, *, var_dir: Path, redis_key_prefix: str, time_zone: str) -> dict:
    broker_url = env.str("CELERY_BROKER_URL", default="filesystem://")
    settings: dict = {"CELERY_BROKER_URL": broker_url}
    if broker_url.startswith("filesystem://"):
        broker_dir = var_dir / "broker"
        for sub in ("out", "processed", "control"):
            (broker_dir / sub).mkdir(parents=True, exist_ok=True)
        settings["CELERY_BROKER_TRANSPORT_OPTIONS"] = {
            "data_folder_in": str(broker_dir / "out"),
            "data_folder_out": str(broker_dir / "out"),
            "processed_folder": str(broker_dir / "processed"),
            "control_folder": str(broker_dir / "control"),
            "store_processed": False,
        }
    elif broker_url.startswith(("redis://", "rediss://")):
        # An unacked message (its worker was killed) comes back after this long. Longer than the longest retry
        # countdown, so a waiting retry is not delivered twice; a dead worker's run does not wait for it, the
        # reaper resumes it within two minutes.
        options = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)}
        if redis_key_prefix:
            options["global_keyprefix"] = redis_key_prefix
        settings["CELERY_BROKER_TRANSPORT_OPTIONS"] = options
    default_queue = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
    return settings | {
        "CELERY_TASK_IGNORE_RESULT": True,
        # A task is acknowledged when it ends, and given back to the broker if its worker process dies; one
        # message at a time per worker, so a killed worker takes no queued-up runs with it.
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        # Time limits (prefork pools enforce them; the threaded worker of the Procfile cannot interrupt a thread,
        # so there the run's own checks stop it: lease, SIGTERM hand-back). The soft limit raises inside the task,
        # which records the run as failed after its saved pages; the hard one kills the process. Both well under
        # the visibility timeout.
        "CELERY_TASK_SOFT_TIME_LIMIT": env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3000),
        "CELERY_TASK_TIME_LIMIT": env.int("CELERY_TASK_TIME_LIMIT", default=3600),
        "CELERY_TASK_DEFAULT_QUEUE": default_queue,
        # Per-vendor queues (mlconnector/routing.py): sync runs go to `sync.<vendor>`, the rest to the default
        # queue; a worker started without -Q consumes them all. Off: every task on the default queue.
        "SYNC_VENDOR_QUEUES": env.bool("SYNC_VENDOR_QUEUES", default=True),
        "CELERY_TASK_QUEUES": celery_queues(default_queue),
        "CELERY_TASK_ROUTES": ["mlconnector.routing.task_route"],
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TIMEZONE": time_zone,
        "CELERY_BEAT_SCHEDULER": "django_celery_beat.schedulers:DatabaseScheduler",
        # Tests can run tasks inline; production never does.
        "CELERY_TASK_ALWAYS_EAGER": env.bool("CELERY_TASK_ALWAYS_EAGER", default=False),
    }
