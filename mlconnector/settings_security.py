"""Security settings: the two secrets, the hosts we answer for, and HTTPS in production.

A section of `mlconnector/settings.py`, which reads the environment once and hands its reader in.
"""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from mlconnector import devkeys


def security_settings(env: environ.Env, *, production: bool, var_dir: Path) -> dict:
    # Secrets: production must be given them; development gets random ones kept in
    # var/ so demo data stays decryptable across restarts. Never derived from each other.
    if production:
        for required in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
            if not env.str(required, default=""):
                raise ImproperlyConfigured(
                    f"{required} is not set. Production (DJANGO_ENV=production) refuses to start without it; "
                    "see .env.example for how to generate one."
                )
    settings = {
        "SECRET_KEY": env.str("SECRET_KEY", default="") or devkeys.dev_secret(var_dir, "secret_key"),
        # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
        "FIELD_ENCRYPTION_KEYS": env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
            devkeys.dev_secret(var_dir, "field_encryption_key", fernet=True)
        ],
        "ALLOWED_HOSTS": env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
                                  + ([] if production else ["testserver"])),
        "CSRF_TRUSTED_ORIGINS": env.list("CSRF_TRUSTED_ORIGINS", default=[]),
    }
    if production:
        settings.update(https_settings(env))
    return settings


def https_settings(env: environ.Env) -> dict:
    """HTTPS in production, so `manage.py check --deploy` is clean with the defaults.

    Behind a proxy that terminates TLS, the proxy's header says the request was HTTPS (SECURE_PROXY_SSL_HEADER,
    "header,value"; empty when nothing in front strips a client's own X-Forwarded-Proto); a proxy that redirects
    to HTTPS itself may turn SECURE_SSL_REDIRECT off, and health checks over plain HTTP are exempted by path.
    """
    proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
    proxy_header = tuple(proxy_header) if proxy_header else None
    if proxy_header is not None and len(proxy_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https.")
    return {
        "SESSION_COOKIE_SECURE": env.bool("SESSION_COOKIE_SECURE", default=True),
        "CSRF_COOKIE_SECURE": env.bool("CSRF_COOKIE_SECURE", default=True),
        "SECURE_SSL_REDIRECT": env.bool("SECURE_SSL_REDIRECT", default=True),
        "SECURE_REDIRECT_EXEMPT": env.list("SECURE_REDIRECT_EXEMPT", default=[]),
        "SECURE_HSTS_SECONDS": env.int("SECURE_HSTS_SECONDS", default=31_536_000),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True),
        "SECURE_HSTS_PRELOAD": env.bool("SECURE_HSTS_PRELOAD", default=True),
        "SECURE_PROXY_SSL_HEADER": proxy_header,
    }
