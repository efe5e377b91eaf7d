"""Writing the change log. Services call `change_record` inside their own transaction, with a snapshot of
the object before and after; only what differs is stored, and secrets only as a mask."""
from __future__ import annotations

from typing import Any

from changelog.models import ChangeLogEntry

SECRET_MASK = "••••••"
Snapshot = dict[str, Any]


def secret_mark(value: Any) -> str:
    """What the log shows for a secret: that it is set, never what it is."""
    return SECRET_MASK if value not in (None, "") else ""


def snapshot_changes(before: Snapshot, after: Snapshot, *, secrets: frozenset[str] = frozenset()) -> dict:
    """{field: [before, after]} of the fields that differ. For a field in `secrets` the real values are
    compared, but the row holds only masks ("•••••• (changed)" when a new value was entered)."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in secrets:
            changes[name] = [secret_mark(old), f"{SECRET_MASK} (changed)" if new not in (None, "") else ""]
        else:
            changes[name] = [old, new]
    return changes


def change_record(*, tenant, actor, obj, object_type: str, action: str, before: Snapshot | None = None,
                  after: Snapshot | None = None, secrets: frozenset[str] = frozenset()) -> ChangeLogEntry | None:
    """Record one change; None when an update changed nothing."""
    changes = snapshot_changes(before or {}, after or {}, secrets=secrets)
    if action == ChangeLogEntry.Action.UPDATED and not changes:
        return None
    return ChangeLogEntry.objects.create(
        tenant=tenant, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "get_username", lambda: "")() if actor is not None else "",
        object_type=object_type, object_id=obj.pk, object_repr=str(obj)[:300], action=action, changes=changes)
