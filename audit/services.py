"""Writing the audit trail. Payloads are redacted here, before anything is stored.

Two passes: secrets (audit/redaction.py, by key pattern and inline) and the personal fields the
integration's vendors declare sensitive (audit/privacy.py). The digest is of the stored (redacted)
payload: a digest of the full one would let anyone holding the row confirm a guessed birth date.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from audit.models import AuditRecord
from audit.privacy import integration_privacy, redact_sensitive
from audit.redaction import may_hold_secret, redact, redact_text


def payload_digest(payload: Any) -> str:
    return hashlib.sha256(_digested_text(payload).encode()).hexdigest()


def _digested_text(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, default=str)


def _redacted_with_digest(payload: Any, sensitive: frozenset[str]) -> tuple[Any, str]:
    """The payload as stored (redacted) and its digest. Most payloads have nothing to mask, and the text the
    digest is taken of shows it: every key and string value is in it, so when it holds no secret-looking key
    word, no inline-secret word and no sensitive field name, the two redaction walks would hand the payload
    back unchanged. Only for plain ASCII text (no `\\u` escape): the patterns match case-insensitively, and
    that has surprises outside ASCII (audit/redaction.py)."""
    text = _digested_text(payload)
    if not ("\\u" in text or may_hold_secret(text) or any(f'"{name}"' in text for name in sensitive)):
        return payload, hashlib.sha256(text.encode()).hexdigest()
    payload = redact(redact_sensitive(payload, sensitive))
    return payload, payload_digest(payload)


def audit_record(*, tenant, action: str, outcome: str, integration=None, run=None, stream: str = "",
                 source_ref: str = "", target_ref: str = "", reason: str = "", mapping_used: dict | None = None,
                 payload: Any = None) -> AuditRecord:
    return AuditRecord.objects.create(**audit_fields(
        tenant=tenant, action=action, outcome=outcome, integration=integration, run=run, stream=stream,
        source_ref=source_ref, target_ref=target_ref, reason=reason, mapping_used=mapping_used, payload=payload))


def audit_fields(*, tenant, action, outcome, integration=None, run=None, stream="", source_ref="", target_ref="",
                 reason="", mapping_used=None, payload=None, sensitive_fields=None) -> dict:
    """The column values of one audit row, redacted; for callers that bulk-insert.

    `sensitive_fields` replaces the vendors' declared list (a caller that knows better, or a test).
    """
    digest = ""
    if payload is not None:
        sensitive = (frozenset(sensitive_fields) if sensitive_fields is not None
                     else integration_privacy(integration).sensitive)
        payload, digest = _redacted_with_digest(payload, sensitive)
    return {
        "tenant": tenant, "integration": integration, "run": run, "stream": stream,
        "source_ref": str(source_ref)[:200], "target_ref": str(target_ref)[:200],
        "action": action, "outcome": outcome, "reason": redact_text(reason),
        "mapping_used": redact(mapping_used or {}),
        "payload_digest": digest,
        "payload": payload if payload is not None else {},
    }
