"""Writing the audit trail. Payloads are redacted here, before anything is stored."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from audit.models import AuditRecord
from audit.redaction import redact, redact_text


def payload_digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def audit_record(*, tenant, action: str, outcome: str, integration=None, run=None, stream: str = "",
                 source_ref: str = "", target_ref: str = "", reason: str = "", mapping_used: dict | None = None,
                 payload: Any = None) -> AuditRecord:
    return AuditRecord.objects.create(**audit_fields(
        tenant=tenant, action=action, outcome=outcome, integration=integration, run=run, stream=stream,
        source_ref=source_ref, target_ref=target_ref, reason=reason, mapping_used=mapping_used, payload=payload))


def audit_fields(*, tenant, action, outcome, integration=None, run=None, stream="", source_ref="", target_ref="",
                 reason="", mapping_used=None, payload=None) -> dict:
    """The column values of one audit row, redacted; for callers that bulk-insert."""
    return {
        "tenant": tenant, "integration": integration, "run": run, "stream": stream,
        "source_ref": str(source_ref)[:200], "target_ref": str(target_ref)[:200],
        "action": action, "outcome": outcome, "reason": redact_text(reason),
        "mapping_used": redact(mapping_used or {}),
        "payload_digest": payload_digest(payload) if payload is not None else "",
        "payload": redact(payload) if payload is not None else {},
    }
