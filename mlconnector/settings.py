"""One settings module for every environment, driven by environment variables.

With no variables set, the project runs on an *embedded default*: SQLite under
``var/`` and kombu's filesystem broker, so ``celery worker`` and ``celery beat``
run with nothing installed. Production sets ``DJANGO_ENV=production`` plus
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis), ``SECRET_KEY`` and
``FIELD_ENCRYPTION_KEYS``; it refuses to start without the last two.

The environment is read here, once (``.env``, then ``env``), together with the Django core, e-mail and
logging. Sections that stand on their own are functions in sibling modules, each given ``env`` and what it
depends on and returning its settings, which become names of this module: ``settings_security.py`` (secrets,
hosts, HTTPS), ``settings_celery.py``, ``settings_sync.py`` (run liveness, health, beat's schedule, vendor
and engine knobs) and ``settings_api.py`` (REST framework, account lifetimes, OpenAPI).
"""
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from mlconnector.settings_api import api_settings
from mlconnector.settings_celery import celery_settings
from mlconnector.settings_security import security_settings
from mlconnector.settings_sync import sync_settings

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

# Secrets (production refuses to start without them), ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, HTTPS.
globals().update(security_settings(env, production=PRODUCTION, var_dir=VAR_DIR))

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

# --- Sections of their own, each given the one environment reader -------------------------------------------
globals().update(celery_settings(env, var_dir=VAR_DIR, redis_key_prefix=REDIS_KEY_PREFIX, time_zone=TIME_ZONE))
globals().update(sync_settings(env, production=PRODUCTION))
globals().update(api_settings(env))

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

