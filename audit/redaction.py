"""Masking secrets before anything is stored in the audit trail or logged."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

MASK = "***"
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authori[sz]ation|credential|private[_-]?key|signature|cookie|"
    r"ssn|social[_-]?security|legal[_-]?last[_-]?four|bank[_-]?account|account[_-]?number|iban|routing)",
    re.IGNORECASE,
)
# Inline secrets in free text: "Bearer abc…", "password=…", "client_secret=…".
INLINE_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)((?:password|client_secret|api_key|apikey|access_token|refresh_token|secret)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+"),
]


@lru_cache(maxsize=4096)  # the same few dozen keys in every payload of a run
def _secret_key(key: str) -> bool:
    return bool(SECRET_KEY_PATTERN.search(key))


def is_secret_key(key: str) -> bool:
    return _secret_key(str(key))


def redact(value: Any) -> Any:
    """Return a copy of `value` with secret-looking keys masked and inline secrets scrubbed."""
    if isinstance(value, dict):
        return {k: (MASK if is_secret_key(k) and v not in (None, "") else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _may_hold_inline_secret(text: str) -> bool:
    """A cheap first look: an inline pattern needs one of these words. Only for ASCII text: matching
    non-ASCII text case-insensitively has surprises ("ſ" matches "s"), so such text always goes through
    the patterns."""
    if not text.isascii():
        return True
    t = text.lower()
    return "bearer" in t or "password" in t or "secret" in t or "api_key" in t or "apikey" in t or "token" in t


# A word that every match of SECRET_KEY_PATTERN or of an inline pattern contains, in lower case.
SECRET_WORDS = ("pass", "secret", "token", "api", "authori", "credential", "private", "signature", "cookie", "ssn",
                "social", "legal", "bank", "account", "iban", "routing", "bearer")


def may_hold_secret(text: str) -> bool:
    """Whether masking could change anything in a payload whose every key and string is in `text`: it holds
    one of SECRET_WORDS, or is not ASCII. Substring checks, not the patterns: running SECRET_KEY_PATTERN
    case-insensitively over a whole payload cost more than the walks it was meant to spare."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact_text(text: str) -> str:
    if not _may_hold_inline_secret(text):
        return text
    for pattern in INLINE_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactingLogFilter(logging.Filter):
    """Scrubs inline secrets from every log line, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: redact_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(redact_text(a) if isinstance(a, str) else a for a in record.args)
        return True
