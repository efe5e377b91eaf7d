"""What a record is called, for people: a worker's name, a department's, from the copy the audit trail keeps.

Vendor ids (`65a011000000000000000002`) stay visible, but second. The name is read from the newest audited
payload of the record (the source record as read, or what was written), so it needs no vendor call and no
decryption of pending payloads; a record never audited with a name has none, and its id is shown alone.
"""
from __future__ import annotations

from audit.models import AuditRecord
from connections.models import Tenant

NAME_KEYS = ("display_name", "displayName", "full_name", "fullName", "name")
PART_KEYS = (("first_name", "last_name"), ("firstName", "lastName"), ("given_name", "family_name"))
NESTED = ("name", "user", "contact", "employee", "person", "legalName")
# Only when nothing above names it: a worker's "title" is a job title, not who they are.
FALLBACK_KEYS = ("title", "description")
LOOKED_AT = 5  # audit rows per record tried, newest first (a hold's row carries the source record)


def record_name(payload) -> str:
    """The best name in a record's payload (top level, or one level down as vendors nest them), or ""."""
    if not isinstance(payload, dict):
        return ""
    for key in NAME_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value.strip() and value != "***":
            return value.strip()
    for first, last in PART_KEYS:
        parts = [payload.get(first), payload.get(last)]
        if all(isinstance(p, str) and p.strip() for p in parts):
            return " ".join(p.strip() for p in parts)
    for key in NESTED:
        inner = payload.get(key)
        if isinstance(inner, dict):
            if isinstance(inner.get("formatted"), str) and inner["formatted"].strip():
                return inner["formatted"].strip()
            found = record_name(inner)
            if found:
                return found
    for key in FALLBACK_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def record_name_for(*, tenant: Tenant, integration_id: int | None, stream: str, source_ref: str) -> str:
    rows = (AuditRecord.objects.filter(tenant=tenant, integration_id=integration_id, stream=stream,
                                       source_ref=source_ref).exclude(payload={})
            .order_by("-created_at", "-pk").values_list("payload", flat=True)[:LOOKED_AT])
    for payload in rows:
        name = record_name(payload)
        if name:
            return name
    return ""


def record_label(name: str, stream: str, source_ref: str) -> str:
    """ "Ada Lovelace (employee 65a0…0002)": the name first, the id second; the id alone without a name."""
    from syncs.words import stream_label

    what = stream_label(stream).lower()
    return f"{name} ({what} {source_ref})" if name else f"{stream_label(stream)} {source_ref}"
