"""Random development secrets kept under var/, so a fresh clone runs with no configuration.

Only used when the environment gives no key (never in production, which refuses
to start without them). Each secret is independent: the field encryption key is
never derived from SECRET_KEY.
"""
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def dev_secret(var_dir: Path, name: str, *, fernet: bool = False) -> str:
    path = var_dir / "dev-secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = Fernet.generate_key().decode() if fernet else secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value
