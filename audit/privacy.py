"""Personal data in audit payloads: which fields each vendor declares sensitive or personal.

Each vendor package may have a `privacy.py` with SENSITIVE_FIELDS (never stored in the audit trail:
masked before the row is written) and PERSONAL_FIELDS (identify a person: pseudonymised when that
person's data is erased). Names are leaf keys matched at any depth. A vendor without the module
declares nothing; the secret masking of audit/redaction.py applies to every payload regardless.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from connections.vendors import all_vendors

SENSITIVE_MASK = "[redacted]"


@dataclass(frozen=True)
class Privacy:
    sensitive: frozenset[str] = frozenset()
    personal: frozenset[str] = frozenset()

    def __or__(self, other: "Privacy") -> "Privacy":
        return Privacy(self.sensitive | other.sensitive, self.personal | other.personal)


@lru_cache(maxsize=None)
def vendor_privacy(kind: str) -> Privacy:
    try:
        module = importlib.import_module(f"connections.vendors.{kind}.privacy")
    except ModuleNotFoundError:
        return Privacy()
    return Privacy(frozenset(getattr(module, "SENSITIVE_FIELDS", ())), frozenset(getattr(module, "PERSONAL_FIELDS", ())))


def all_vendors_privacy() -> Privacy:
    merged = Privacy()
    for vendor in all_vendors():
        merged |= vendor_privacy(vendor.kind)
    return merged


def integration_privacy(integration) -> Privacy:
    """Both ends of an integration: an audit payload is a source record (held, failed) or what was written.

    Without an integration (a connection test) every vendor's declaration applies.
    """
    if integration is None:
        return all_vendors_privacy()
    return vendor_privacy(integration.source.kind) | vendor_privacy(integration.destination.kind)


def redact_sensitive(value: Any, fields: frozenset[str]) -> Any:
    """A copy of `value` with every key in `fields` (at any depth) masked; empty values stay empty."""
    if isinstance(value, dict):
        return {k: (SENSITIVE_MASK if k in fields and value[k] not in (None, "", [], {}) else
                    redact_sensitive(v, fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_sensitive(v, fields) for v in value]
    return value
