"""Erasing one person's personal data from the audit trail, the pending records and the inbound webhook events
that name them (GDPR art. 17).

The rows stay, so the bookkeeping is intact (what happened, when, in which run, with which outcome and
target id); what identifies the person is replaced by a stable pseudonym: the same value always gives
the same pseudonym within a tenant, so a story still reads "the same person twice". The vendor's own
id (source_ref) is kept: it is opaque, and the id map needs it so a later sync updates, never duplicates.

Personal values are the fields the vendors declare personal or sensitive (audit/privacy.py), the
e-mail the erasure was asked for, and every other occurrence of those values (in reasons, other keys).
"""
from __future__ import annotations

import json
import re
from typing import Any

from django.utils.crypto import salted_hmac

from audit.maintenance import write_grant
from audit.models import AuditRecord, AuditWriteGrant, ErasureLog
from audit.privacy import SENSITIVE_MASK, all_vendors_privacy
from audit.redaction import MASK
from audit.services import payload_digest
from connections.models import Tenant

ERASED_REASON = "Personal data erased; the record will not be written."


class ErasureError(Exception):
    """The erasure was not done; the message says why."""


def pseudonym(*, tenant: Tenant, value: Any) -> str:
    digest = salted_hmac("audit.erasure.pseudonym", f"{tenant.pk}:{str(value).strip().lower()}").hexdigest()
    return f"pseudonym:{digest[:16]}"


class Pseudonymiser:
    def __init__(self, *, tenant: Tenant, values: set[str]):
        self.tenant = tenant
        self.fields = all_vendors_privacy().personal | all_vendors_privacy().sensitive
        self.values = {v for v in values if v and len(v) >= 3}

    def learn(self, value: Any, *, personal: bool = False) -> None:
        """Collect the person's values from a payload, so they are found wherever else they appear."""
        if isinstance(value, dict):
            for key, item in value.items():
                self.learn(item, personal=personal or key in self.fields)
        elif isinstance(value, list):
            for item in value:
                self.learn(item, personal=personal)
        elif personal and isinstance(value, str) and value not in (MASK, SENSITIVE_MASK) and len(value) >= 3:
            self.values.add(value)

    def payload(self, value: Any, *, personal: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: self.payload(v, personal=personal or k in self.fields) for k, v in value.items()}
        if isinstance(value, list):
            return [self.payload(v, personal=personal) for v in value]
        if value in (None, "", MASK, SENSITIVE_MASK) or isinstance(value, bool):
            return value
        if personal:
            return pseudonym(tenant=self.tenant, value=value)
        return self.text(value) if isinstance(value, str) else value

    def text(self, text: str) -> str:
        # Longest first: "Alan Turing" before "Alan".
        # Whole words only: the address type "WORK" of a person must not eat into "worker.updated".
        for value in sorted(self.values, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", pseudonym(tenant=self.tenant, value=value), text,
                          flags=re.IGNORECASE)
        return text


def source_refs_for_email(*, tenant: Tenant, email: str) -> set[str]:
    """The vendor ids of every record that carries this e-mail address (audit rows, pending records, events)."""
    from syncs.models import InboundEvent, PendingRecord

    needle = json.dumps(email.strip().lower())[1:-1]
    refs = {ref for ref, payload in AuditRecord.objects.filter(tenant=tenant).exclude(source_ref="")
            .values_list("source_ref", "payload").iterator() if needle in json.dumps(payload).lower()}
    refs |= {p.source_id for p in PendingRecord.objects.filter(tenant=tenant).only("source_id", "payload").iterator()
             if needle in json.dumps(p.payload).lower()}
    for event in InboundEvent.objects.filter(tenant=tenant).only("source_ids", "payload").iterator():
        if needle in json.dumps(event.payload).lower():
            refs.update(str(ref) for ref in event.source_ids or ())
    return refs


def events_of(*, tenant: Tenant, refs: set[str]) -> list:
    """Inbound webhook events naming any of these records (source_ids is a JSON list: matched here, so the
    same code serves SQLite, which has no JSON containment lookup)."""
    from syncs.models import InboundEvent

    return [e for e in InboundEvent.objects.filter(tenant=tenant) if refs & {str(r) for r in e.source_ids or ()}]


def person_erase(*, tenant: Tenant, source_id: str = "", email: str = "", by=None) -> ErasureLog:
    """Pseudonymise every audit row and pending record of one person of `tenant`, and log that it was done."""
    from syncs.models import PendingRecord

    if not source_id and not email:
        raise ErasureError("Name the person: a source id or an e-mail address.")
    refs = {source_id} if source_id else source_refs_for_email(tenant=tenant, email=email)
    audits = list(AuditRecord.objects.filter(tenant=tenant, source_ref__in=refs)) if refs else []
    pending = list(PendingRecord.objects.filter(tenant=tenant, source_id__in=refs)) if refs else []
    events = events_of(tenant=tenant, refs=refs) if refs else []
    if not audits and not pending and not events:
        raise ErasureError(f"{tenant} has no audit rows or pending records of that person.")
    known = {email} if email else set()
    pseudonymiser = Pseudonymiser(tenant=tenant, values=known)
    for item in audits + pending + events:
        pseudonymiser.learn(item.payload)
    with write_grant(purpose=AuditWriteGrant.Purpose.ERASE):
        for row in audits:
            payload = pseudonymiser.payload(row.payload)
            AuditRecord.objects.filter(pk=row.pk).update(
                payload=payload, payload_digest=payload_digest(payload) if row.payload_digest else "",
                mapping_used=pseudonymiser.payload(row.mapping_used), reason=pseudonymiser.text(row.reason))
        for item in pending:
            item.payload = pseudonymiser.payload(item.payload)
            item.reason = f"{ERASED_REASON} {pseudonymiser.text(item.reason)}".strip()
            # A pseudonymised record must never be released or replayed to the destination.
            item.status, item.missing_key = PendingRecord.Status.RESOLVED, ""
            item.save(update_fields=["payload", "reason", "status", "missing_key", "updated_at"])
        for event in events:
            # The raw body cannot be rewritten field by field; the parsed payload is kept, pseudonymised.
            event.payload, event.raw_body = pseudonymiser.payload(event.payload), ""
            event.save(update_fields=["payload", "raw_body"])
        # Drift differences hold both vendors' copies of the person: dropped, the next report finds what is left.
        from drift.models import DriftItem

        DriftItem.objects.filter(tenant=tenant, source_id__in=refs).delete()
        return ErasureLog.objects.create(
            tenant=tenant, requested_by=by, requested_by_name=getattr(by, "username", "") or "command line",
            person_key=f"source_id:{source_id}" if source_id else f"email:{pseudonym(tenant=tenant, value=email)}",
            source_refs=sorted(refs), audit_rows=len(audits), pending_rows=len(pending), event_rows=len(events))
