"""The production profile passes `manage.py check --deploy` with its defaults, and its HTTPS settings bend
to a deployment behind a TLS-terminating proxy through the environment."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)")


def production(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_", "EMAIL_"))}
    env.update(DJANGO_ENV="production", VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(50),
               FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(), ALLOWED_HOSTS="connector.example.com",
               EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    env.update(extra)
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production(tmp_path):
    result = manage(production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_settings_come_from_the_environment(tmp_path):
    default = manage(production(tmp_path), "shell", "--no-imports", "-c", SHOW).stdout.split()
    assert default == ["True", "31536000", "True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')"]

    proxied = production(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on")
    assert manage(proxied, "shell", "--no-imports", "-c", SHOW).stdout.split()[::4] == ["False", "('HTTP_X_FORWARDED_SSL',"]
    warned = manage(proxied, "check", "--deploy", "--fail-level", "WARNING")
    assert warned.returncode != 0 and "security.W008" in warned.stderr + warned.stdout
