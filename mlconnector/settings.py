"""One settings module for every environment, driven by environment variables.

With no variables set, the project runs on an *embedded default*: SQLite under
``var/`` and kombu's filesystem broker, so ``celery worker`` and ``celery beat``
run with nothing installed. Production sets ``DJANGO_ENV=production`` plus
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis), ``SECRET_KEY`` and
``FIELD_ENCRYPTION_KEYS``; it refuses to start without the last two.
"""
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from mlconnector import devkeys
from mlconnector.routing import celery_queues

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

# Secrets: production must be given them; development gets random ones kept in
# var/ so demo data stays decryptable across restarts. Never derived from each other.
if PRODUCTION:
    for required in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(
                f"{required} is not set. Production (DJANGO_ENV=production) refuses to start without it; "
                "see .env.example for how to generate one."
            )
SECRET_KEY = env.str("SECRET_KEY", default="") or devkeys.dev_secret(VAR_DIR, "secret_key")
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    devkeys.dev_secret(VAR_DIR, "field_encryption_key", fernet=True)
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] + ([] if PRODUCTION else ["testserver"]))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files: no CDN needed
    "django_celery_beat",
    "connections",
    "syncs",
    "audit",
    "sandbox",
    "demo",
    "api",
    "wizard",
    "notifications",
    "changelog",
    "drift",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mlconnector.timezones.TenantTimeZoneMiddleware",  # the customer site in the tenant's time zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mlconnector.urls"
WSGI_APPLICATION = "mlconnector.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) test database, so a real worker process can see what a test wrote;
    # one per test process so parallel runs do not share it.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")
    # The web server, the worker, beat and the demo all write to this one file. WAL lets readers go on while
    # one writer commits; BEGIN IMMEDIATE takes the write lock when a transaction starts, so two transactions
    # never both read and then both try to upgrade (SQLite answers that deadlock with an instant "database is
    # locked" that no timeout helps); the busy timeout makes a writer wait its turn. synchronous=FULL fsyncs
    # the WAL on every commit, so a commit (an id-map row of a record the vendor accepted) survives power loss
    # as it does in rollback-journal mode; WAL's usual NORMAL would only survive a crash of the process.
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 30)
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Written in front of every Redis key of ours (cache, rate-limit buckets, token locks, Celery's queues and
# broadcasts), so deployments sharing one Redis, or the test suite's parallel processes, never meet.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": REDIS_KEY_PREFIX}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # storage, logs and the operators' site; customers see their tenant's zone (mlconnector/timezones.py)
FORMAT_MODULE_PATH = ["mlconnector.formats"]  # 24-hour times with their zone, not Django's US "1:05 p.m."
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "mlconnector" / "static"]  # the project's own (favicon); apps keep theirs
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGIN_URL = "customer_admin:login"

# HTTPS in production, so `manage.py check --deploy` is clean with the defaults. Behind a proxy that
# terminates TLS, the proxy's header says the request was HTTPS (SECURE_PROXY_SSL_HEADER, "header,value";
# empty when nothing in front strips a client's own X-Forwarded-Proto); a proxy that redirects to HTTPS
# itself may turn SECURE_SSL_REDIRECT off, and health checks over plain HTTP are exempted by path.
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    _proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
    if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https.")

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacked message (its worker was killed) comes back after this long. Longer than the longest retry
    # countdown, so a waiting retry is not delivered twice; a dead worker's run does not wait for it, the
    # reaper below resumes it within two minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)}
    if REDIS_KEY_PREFIX:
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, and given back to the broker if its worker process dies; one
# message at a time per worker, so a killed worker takes no queued-up runs with it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits (prefork pools enforce them; the threaded worker of the Procfile cannot interrupt a thread, so there
# the run's own checks stop it: lease, SIGTERM hand-back). The soft limit raises inside the task, which records the
# run as failed after its saved pages; the hard one kills the process. Both well under the visibility timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3000)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Per-vendor queues (mlconnector/routing.py): sync runs go to `sync.<vendor>`, the rest to the default queue;
# a worker started without -Q consumes them all. Off: every task on the default queue.
SYNC_VENDOR_QUEUES = env.bool("SYNC_VENDOR_QUEUES", default=True)
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = ["mlconnector.routing.task_route"]
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Run liveness (syncs/locks.py, syncs/reaper.py): a running sync beats every SYNC_HEARTBEAT_SECONDS and
# renews its lease (TTL SYNC_LEASE_TTL_SECONDS); one silent for SYNC_ABANDON_AFTER_SECONDS lost its worker
# and is resumed by the reaper, which beat runs every SYNC_REAP_EVERY_SECONDS; a run whose worker died
# SYNC_MAX_STALLED_ATTEMPTS times in a row without saving a page fails instead.
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=15.0)
SYNC_LEASE_TTL_SECONDS = env.float("SYNC_LEASE_TTL_SECONDS", default=90.0)
SYNC_ABANDON_AFTER_SECONDS = env.float("SYNC_ABANDON_AFTER_SECONDS", default=60.0)
SYNC_REAP_EVERY_SECONDS = env.float("SYNC_REAP_EVERY_SECONDS", default=30.0)
SYNC_MAX_STALLED_ATTEMPTS = env.int("SYNC_MAX_STALLED_ATTEMPTS", default=3)
# Write intents left `sent` (outcome unknown) that no page brings back are reconciled by their key
# (syncs/sweeper.py) once SYNC_SWEEP_SENT_AFTER_SECONDS old; beat looks for them every SYNC_SWEEP_EVERY_SECONDS.
SYNC_SWEEP_SENT_AFTER_SECONDS = env.float("SYNC_SWEEP_SENT_AFTER_SECONDS", default=600.0)
SYNC_SWEEP_EVERY_SECONDS = env.float("SYNC_SWEEP_EVERY_SECONDS", default=300.0)
# A drift report takes the integration's lease; while a sync holds it the report's task tries again every
# DRIFT_LEASE_RETRY_SECONDS, DRIFT_LEASE_RETRIES times, then the report ends "skipped: a sync was running".
DRIFT_LEASE_RETRY_SECONDS = env.float("DRIFT_LEASE_RETRY_SECONDS", default=300.0)
DRIFT_LEASE_RETRIES = env.int("DRIFT_LEASE_RETRIES", default=12)
# /healthz (mlconnector/health.py): beat writes a heartbeat this often (through a worker) and is reported down when
# it is older than BEAT_STALE_SECONDS; the worker ping waits HEALTH_PING_TIMEOUT and is cached HEALTH_CACHE_SECONDS.
BEAT_HEARTBEAT_SECONDS = env.float("BEAT_HEARTBEAT_SECONDS", default=60.0)
BEAT_STALE_SECONDS = env.float("BEAT_STALE_SECONDS", default=180.0)
HEALTH_PING_TIMEOUT = env.float("HEALTH_PING_TIMEOUT", default=1.0)
HEALTH_CACHE_SECONDS = env.float("HEALTH_CACHE_SECONDS", default=10.0)
HEALTH_MIN_WORKERS = env.int("HEALTH_MIN_WORKERS", default=1)
# A system task, not a tenant's: django-celery-beat's DatabaseScheduler stores it as a PeriodicTask at beat start.
CELERY_BEAT_SCHEDULE = {
    "syncs: resume runs whose worker died": {"task": "syncs.tasks.runs_reap", "schedule": SYNC_REAP_EVERY_SECONDS},
    "syncs: settle write intents left sent": {"task": "syncs.tasks.intents_sweep",
                                              "schedule": SYNC_SWEEP_EVERY_SECONDS},
    "ops: beat heartbeat": {"task": "syncs.tasks.beat_heartbeat", "schedule": BEAT_HEARTBEAT_SECONDS},
}
# Tests can run tasks inline; production never does.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "signup": env.str("API_SIGNUP_RATE", default="10/hour"),
        "auth": env.str("API_AUTH_RATE", default="30/minute"),
    },
}
# Password-reset links (e-mailed, one use) work this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=3) * 3600
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)
# A sign-up not confirmed within this many hours expires; the hourly purge frees its username and address.
SIGNUP_VERIFY_HOURS = env.int("SIGNUP_VERIFY_HOURS", default=48)
# API tokens are refused this many days after they were issued (rotate or log in again for a new one).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "ml-connector API",
    "DESCRIPTION": "Connections, integrations, runs, audit trail and replays of one tenant.",  # api/schema.py words it
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.schema_words"],
    "ENUM_NAME_OVERRIDES": {
        "ConnectionStatusEnum": "connections.models.Connection.Status",
        "RunStatusEnum": "syncs.models.SyncRun.Status",
        "PendingRecordStatusEnum": "syncs.models.PendingRecord.Status",
    },
}

# --- E-mail (sign-up verification, failure notifications) ----------------------
# EMAIL_URL as understood by django-environ, e.g. smtp+tls://user:password@smtp.example.com:587, or
# EMAIL_HOST and friends; with neither, mails are written as files under var/mail/ (the demo shows
# them there); the test runner swaps in locmem.
if env.str("EMAIL_URL", default=""):
    vars().update({k: v for k, v in env.email_url("EMAIL_URL").items() if v not in (None, "")})
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ml-connector <no-reply@localhost>")
# Absolute links in e-mails (the admin pages) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Failure notifications: at most one per integration and kind of problem in this window (tenants can change theirs).
NOTIFICATION_WINDOW_MINUTES = env.int("NOTIFICATION_WINDOW_MINUTES", default=60)
NOTIFICATION_WEBHOOK_TIMEOUT = env.float("NOTIFICATION_WEBHOOK_TIMEOUT", default=10.0)
# A tenant's webhook must not reach our own network (SSRF): in production only public addresses are called.
NOTIFICATION_WEBHOOK_ALLOW_PRIVATE = env.bool("NOTIFICATION_WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION)

# --- Vendors ----------------------------------------------------------------
# Where `make demo` and the tests find the local vendor simulators.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8100")
VENDOR_HTTP_TIMEOUT = env.float("VENDOR_HTTP_TIMEOUT", default=30.0)
# Vendor clients may call loopback (the local sandbox) only when this is on; every other host must be one of
# the vendor's domains (or allowlisted by an operator) and resolve to public addresses (docs/security.md).
SANDBOX_HOSTS_ALLOWED = env.bool("SANDBOX_HOSTS_ALLOWED", default=not PRODUCTION)
# "Test connection" (admin, wizard, API): short timeouts, a deadline of their sum, and at most this many per tenant a minute.
CONNECTION_TEST_CONNECT_TIMEOUT = env.float("CONNECTION_TEST_CONNECT_TIMEOUT", default=5.0)
CONNECTION_TEST_READ_TIMEOUT = env.float("CONNECTION_TEST_READ_TIMEOUT", default=10.0)
CONNECTION_TEST_RATE_PER_MINUTE = env.int("CONNECTION_TEST_RATE_PER_MINUTE", default=10)
# Sync engine: destination writes in flight per run (paced by the shared rate limiter), and how far a
# delta watermark reaches back before the run's start to cover clock skew between us and the vendor.
SYNC_WRITES_IN_FLIGHT = env.int("SYNC_WRITES_IN_FLIGHT", default=4)
SYNC_CLOCK_SKEW_SECONDS = env.int("SYNC_CLOCK_SKEW_SECONDS", default=300)
# Inbound events (/hooks/<token>/): notifications are small, so a larger body is refused unread, and
# one connection's intake answers 429 (vendors retry) past this many deliveries a minute.
INBOUND_EVENT_MAX_BYTES = env.int("INBOUND_EVENT_MAX_BYTES", default=1024 * 1024)
INBOUND_EVENTS_PER_MINUTE = env.int("INBOUND_EVENTS_PER_MINUTE", default=600)

# --- Logging ----------------------------------------------------------------
# JSON lines with tenant/integration/run/connection ids (mlconnector/logs.py), or plain text for development.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT is json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "audit.redaction.RedactingLogFilter"},
                "context": {"()": "mlconnector.logs.ContextFilter"}},
    "formatters": {"plain": {"()": "mlconnector.logs.PlainFormatter"},
                   "json": {"()": "mlconnector.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                    "filters": ["redact_secrets", "context"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Error tracking (optional, off by default) ------------------------------------------------------------
# SENTRY_DSN switches Sentry on (Django + Celery integrations, events scrubbed like logs); without it sentry-sdk
# is not even imported (mlconnector/errortracking.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from mlconnector.errortracking import error_tracking_init

    error_tracking_init(dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
                        release=env.str("SENTRY_RELEASE", default=""),
                        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))

