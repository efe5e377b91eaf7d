"""Sync engine and vendor settings: run liveness (heartbeat, lease, reaper), the sweeper of unknown writes,
drift reports' wait for a lease, /healthz, beat's system schedule, and the knobs of vendor calls, the engine's
writes and inbound events.

A section of `mlconnector/settings.py`, which reads the environment once and hands its reader in.
"""
import environ


def sync_settings(env: environ.Env, *, production: bool) -> dict:
    return run_liveness_settings(env) | vendor_settings(env, production=production)


def run_liveness_settings(env: environ.Env) -> dict:
    """What keeps a fleet's runs alive or resumes them, and the beat tasks that do it."""
    # Run liveness (syncs/locks.py, syncs/reaper.py): a running sync beats every SYNC_HEARTBEAT_SECONDS and
    # renews its lease (TTL SYNC_LEASE_TTL_SECONDS); one silent for SYNC_ABANDON_AFTER_SECONDS lost its worker
    # and is resumed by the reaper, which beat runs every SYNC_REAP_EVERY_SECONDS; a run whose worker died
    # SYNC_MAX_STALLED_ATTEMPTS times in a row without saving a page fails instead.
    reap_every = env.float("SYNC_REAP_EVERY_SECONDS", default=30.0)
    # Write intents left `sent` (outcome unknown) that no page brings back are reconciled by their key
    # (syncs/sweeper.py) once SYNC_SWEEP_SENT_AFTER_SECONDS old; beat looks for them every SYNC_SWEEP_EVERY_SECONDS.
    sweep_every = env.float("SYNC_SWEEP_EVERY_SECONDS", default=300.0)
    # /healthz (mlconnector/health.py): beat writes a heartbeat this often (through a worker) and is reported down
    # when it is older than BEAT_STALE_SECONDS; the worker ping waits HEALTH_PING_TIMEOUT and is cached
    # HEALTH_CACHE_SECONDS.
    beat_every = env.float("BEAT_HEARTBEAT_SECONDS", default=60.0)
    return {
        "SYNC_HEARTBEAT_SECONDS": env.float("SYNC_HEARTBEAT_SECONDS", default=15.0),
        "SYNC_LEASE_TTL_SECONDS": env.float("SYNC_LEASE_TTL_SECONDS", default=90.0),
        "SYNC_ABANDON_AFTER_SECONDS": env.float("SYNC_ABANDON_AFTER_SECONDS", default=60.0),
        "SYNC_REAP_EVERY_SECONDS": reap_every,
        "SYNC_MAX_STALLED_ATTEMPTS": env.int("SYNC_MAX_STALLED_ATTEMPTS", default=3),
        "SYNC_SWEEP_SENT_AFTER_SECONDS": env.float("SYNC_SWEEP_SENT_AFTER_SECONDS", default=600.0),
        "SYNC_SWEEP_EVERY_SECONDS": sweep_every,
        # A drift report takes the integration's lease; while a sync holds it the report's task tries again every
        # DRIFT_LEASE_RETRY_SECONDS, DRIFT_LEASE_RETRIES times, then the report ends "skipped: a sync was running".
        "DRIFT_LEASE_RETRY_SECONDS": env.float("DRIFT_LEASE_RETRY_SECONDS", default=300.0),
        "DRIFT_LEASE_RETRIES": env.int("DRIFT_LEASE_RETRIES", default=12),
        "BEAT_HEARTBEAT_SECONDS": beat_every,
        "BEAT_STALE_SECONDS": env.float("BEAT_STALE_SECONDS", default=180.0),
        "HEALTH_PING_TIMEOUT": env.float("HEALTH_PING_TIMEOUT", default=1.0),
        "HEALTH_CACHE_SECONDS": env.float("HEALTH_CACHE_SECONDS", default=10.0),
        "HEALTH_MIN_WORKERS": env.int("HEALTH_MIN_WORKERS", default=1),
        # A system task, not a tenant's: django-celery-beat's DatabaseScheduler stores it as a PeriodicTask at
        # beat start.
        "CELERY_BEAT_SCHEDULE": {
            "syncs: resume runs whose worker died": {"task": "syncs.tasks.runs_reap", "schedule": reap_every},
            "syncs: settle write intents left sent": {"task": "syncs.tasks.intents_sweep", "schedule": sweep_every},
            "ops: beat heartbeat": {"task": "syncs.tasks.beat_heartbeat", "schedule": beat_every},
        },
    }


def vendor_settings(env: environ.Env, *, production: bool) -> dict:
    """How vendors are called, how fast the engine writes to them, and what their webhooks may send us."""
    return {
        # Where `make demo` and the tests find the local vendor simulators.
        "SANDBOX_URL": env.str("SANDBOX_URL", default="http://127.0.0.1:8100"),
        "VENDOR_HTTP_TIMEOUT": env.float("VENDOR_HTTP_TIMEOUT", default=30.0),
        # Vendor clients may call loopback (the local sandbox) only when this is on; every other host must be one
        # of the vendor's domains (or allowlisted by an operator) and resolve to public addresses
        # (docs/security.md).
        "SANDBOX_HOSTS_ALLOWED": env.bool("SANDBOX_HOSTS_ALLOWED", default=not production),
        # "Test connection" (admin, wizard, API): short timeouts, a deadline of their sum, and at most this many
        # per tenant a minute.
        "CONNECTION_TEST_CONNECT_TIMEOUT": env.float("CONNECTION_TEST_CONNECT_TIMEOUT", default=5.0),
        "CONNECTION_TEST_READ_TIMEOUT": env.float("CONNECTION_TEST_READ_TIMEOUT", default=10.0),
        "CONNECTION_TEST_RATE_PER_MINUTE": env.int("CONNECTION_TEST_RATE_PER_MINUTE", default=10),
        # Sync engine: destination writes in flight per run (paced by the shared rate limiter), and how far a
        # delta watermark reaches back before the run's start to cover clock skew between us and the vendor.
        "SYNC_WRITES_IN_FLIGHT": env.int("SYNC_WRITES_IN_FLIGHT", default=4),
        "SYNC_CLOCK_SKEW_SECONDS": env.int("SYNC_CLOCK_SKEW_SECONDS", default=300),
        # Inbound events (/hooks/<token>/): notifications are small, so a larger body is refused unread, and
        # one connection's intake answers 429 (vendors retry) past this many deliveries a minute.
        "INBOUND_EVENT_MAX_BYTES": env.int("INBOUND_EVENT_MAX_BYTES", default=1024 * 1024),
        "INBOUND_EVENTS_PER_MINUTE": env.int("INBOUND_EVENTS_PER_MINUTE", default=600),
    }
