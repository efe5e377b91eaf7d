"""What a test reads off the monday sandbox for the Visma ↔ monday flow: the board's items by their key column,
and the GraphQL operations the sandbox was sent (by operation name)."""
from __future__ import annotations

import re

OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


def board_named(monday, name: str) -> dict:
    [board] = [b for b in monday.data.boards.values() if b["name"] == name and b["state"] == "active"]
    return board


def items_by_key(monday, board: dict, key_column: str = "visma_key") -> dict[str, list[dict]]:
    """Key column text → the board's live items holding it (more than one would be a duplicate)."""
    found: dict[str, list[dict]] = {}
    for item in monday.data.items.values():
        if item["board_id"] == board["id"] and item["state"] == "active":
            found.setdefault((item["values"].get(key_column) or {}).get("text", ""), []).append(item)
    return found


def operations(monday, name: str | None = None, since: int = 0) -> list:
    """The logged GraphQL requests (from entry `since` on), optionally only those of one operation name."""
    entries = monday.log.filter(vendor="monday", method="POST")[since:]
    if name is None:
        return entries
    return [e for e in entries if isinstance(e.body, dict)
            and (OPERATION.match(str(e.body.get("query", ""))) or [None, None])[1] == name]



def visma_documents_seeded(sandbox, **sizes):
    """The Visma sandbox holding only what the flow reads (these sizes of documents), sending webhooks once."""
    vendor = sandbox.app["visma"]
    vendor.seed(employees=0, payments=0, journal_transactions=0, **sizes)
    vendor.webhook_policy.update(attempts=1)  # Visma sends once (docs/vendors/visma.md §10)
    return vendor
