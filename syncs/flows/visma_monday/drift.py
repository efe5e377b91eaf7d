"""The drift report of Visma.net → monday.com: Visma's current documents against the items on the boards.

Each board stream (streams.py) compares what it would write now — the document through the current column
mapping, in monday's JSON for each column's type — with the item that holds its key in the hidden key column
`visma_key` (`<resource>:<source id>`):

* **missing**: no item on the board holds the document's key (never written, or deleted on the board);
* **extra**: an item whose key names a document Visma no longer has, a second item with the same key (a copy),
  or an item without a key (made on the board by hand; reported once per board);
* **differs / changed**: the item's name or a mapped column differs (changed: only the board moved since our
  last write, e.g. someone edited the amount on the board).

The approval column is the reverse stream's view (statuses.py): a label the board holds that means the same
`hold` as Visma's document (through the `monday_approval_label` mapping, else its defaults) is no drift even if
its text differs from the label the forward stream would write; a label that means another `hold` is reported
(the change did not reach Visma: its webhook was lost, or held for an unmapped label). The AR aging column is not
compared: it is derived from today's date, so it moves with the calendar, not with Visma.

Cost: each board is read once per report (items_page, then next_items_page, through the monday client and its
complexity pacer), shared by the streams of that board; the report writes nothing and sets up no board.
"""
from __future__ import annotations

import json
from typing import Any

from syncs.flows.drift import ControlTotal, DriftInput, Finding, Kind, compare_by_key
from syncs.flows.visma_monday.columns import APPROVAL, KEY
from syncs.flows.visma_monday.statuses import APPROVAL_MAP, APPROVAL_MAP_TITLE, DEFAULT_HOLD, WRITABLE

NOT_COMPARED = ("aging",)  # flow columns derived from the date of the read, not from Visma


def written_value(column_type: str, text: str | None, value: str | None) -> Any:
    """A board column as read (`text`, and `value`, a JSON string) in the JSON columns.column_value writes, so
    the two compare; None for an empty column."""
    raw = json.loads(value) if value else None
    if not text and raw in (None, "", {}):
        return None
    if column_type == "numbers":
        try:
            return f"{float(text):.2f}"
        except (TypeError, ValueError):
            return text
    if column_type == "date":
        return {"date": str(text)[:10]}
    if column_type == "status":
        return {"label": text}
    if column_type == "dropdown":
        return {"labels": [part.strip() for part in str(text).split(",") if part.strip()]}
    if column_type in ("link", "email") and isinstance(raw, dict):
        kept = ("url", "text") if column_type == "link" else ("email", "text")
        return {k: raw.get(k) for k in kept}
    if column_type == "people" and isinstance(raw, dict):
        return {"personsAndTeams": [{"id": int(p["id"]), "kind": "person"} for p in raw.get("personsAndTeams") or []]}
    return text


def item_as_written(item: dict, board_id: str) -> dict:
    """An item in map()'s shape: {"board", "name", "values": {column id: written JSON}}."""
    values = {cv["id"]: written_value(cv.get("type"), cv.get("text"), cv.get("value"))
              for cv in item.get("column_values") or []}
    return {"board": board_id, "name": item.get("name"), "values": {k: v for k, v in values.items() if v is not None}}


def board_items(ctx, board_id: str) -> tuple[list[dict], bool]:
    """The board's live items, read once per report for every stream of the board; and whether this is the
    first stream to ask (it reports the board's items without a key)."""
    read = ctx.options.setdefault("_drift_board_items", {})
    first = board_id not in read
    if first:
        read[board_id] = [item for page in ctx.destination.items_pages(board_id) for item in page
                          if item.get("state", "active") == "active"]
    return read[board_id], first


class BoardDrift:
    """Mixed into BoardItems: the drift hooks of syncs/flows/base.py for one Visma resource on its board."""

    def drift_source(self):
        if self.saved_board() is None:
            return  # never synced: no board to compare with (and a report sets none up)
        yield from super().drift_source()

    def drift_compare(self, given: DriftInput) -> list[Finding] | None:
        board = self.saved_board()
        if board is None:
            return None
        key_id = board["columns"][KEY]["id"]
        items, first = board_items(self.ctx, board["id"])
        prefix = f"{self.resource}:"
        ours: dict[str, list[dict]] = {}
        findings = []
        for item in sorted(items, key=lambda i: int(i["id"]) if str(i["id"]).isdigit() else 0):
            key = next((cv.get("text") or "" for cv in item.get("column_values") or [] if cv["id"] == key_id), "")
            if key.startswith(prefix):
                ours.setdefault(key, []).append(item)
            elif not key and first:
                findings.append(Finding(Kind.EXTRA, target_id=str(item["id"]),
                                        note=f"item '{item.get('name')}' has no Visma key: made on the board"))
        written_items = {w.target_id for w in given.written.values()}
        destination, item_of = {}, {}
        for key, copies in ours.items():
            # The item the id map names is the one we keep writing; any other with the key is a copy.
            kept = next((i for i in copies if str(i["id"]) in written_items), copies[0])
            item_of[key] = str(kept["id"])
            destination[key] = item_as_written(kept, board["id"])
            findings += [Finding(Kind.EXTRA, target_id=str(i["id"]), note=f"a second item with key {key}")
                         for i in copies if i is not kept]
        held = {f"{prefix}{source_id}" for source_id in given.unmappable}  # held by map(): theirs, not extra
        destination = {k: v for k, v in destination.items() if k not in held}
        self._drift_counted = (len(given.expected) + len(given.unmappable), len(ours))
        ignore = frozenset(f"values.{board['columns'][c]['id']}" for c in NOT_COMPARED if c in board["columns"])
        for finding in compare_by_key(given=given, destination=destination, key_of=self.natural_key, ignore=ignore):
            if finding.kind == Kind.EXTRA:
                finding.note = "the document is not in Visma (any more)"
            written = given.written.get(finding.source_id)
            finding.target_id = item_of.get(finding.target_id) or (written.target_id if written else "")
            if finding.kind in (Kind.DIFFERS, Kind.CHANGED):
                finding = self.approval_agreed(finding, given, board)
            if finding is not None:
                findings.append(finding)
        return findings

    def approval_agreed(self, finding: Finding, given: DriftInput, board: dict) -> Finding | None:
        """Drop an approval difference whose board label means the hold Visma has (the reverse stream's view)."""
        column = board["columns"].get(APPROVAL)
        path = f"values.{column['id']}.label" if column else None
        diff = next((d for d in finding.diffs if d.field == path), None)
        record = given.records.get(finding.source_id) or {}
        if diff is None or self.resource not in WRITABLE:
            return finding
        label = str(diff.destination or "")
        hold = hold_of(label, given.mappings)
        if hold is None or hold != bool(record.get("hold")):
            finding.note = (f"the board's label '{label}' means hold={hold}, Visma's hold is "
                            f"{bool(record.get('hold'))}" if hold is not None else
                            f"the board's label '{label}' has no hold mapping ({APPROVAL_MAP_TITLE})")
            return finding
        finding.diffs = [d for d in finding.diffs if d is not diff]
        if not finding.diffs:
            return None
        finding.kind = Kind.CHANGED if {d.moved for d in finding.diffs} == {"destination"} else Kind.DIFFERS
        return finding

    def control_totals(self, given: DriftInput) -> list[ControlTotal]:
        counted = getattr(self, "_drift_counted", None)
        if counted is None:
            return []
        board = self.saved_board()
        return [ControlTotal("documents in Visma vs items on the board", f"{board['name']}: {self.resource}",
                             *counted)]


def hold_of(label: str, mappings) -> bool | None:
    """What the board's label writes to Visma's `hold` (statuses.py's translation), None when it writes nothing."""
    mapped = (mappings.values.get(APPROVAL_MAP, {}) if mappings is not None else {}).get(label)
    hold = mapped if mapped is not None else DEFAULT_HOLD.get(label)
    if hold is None or str(hold).strip().lower() not in ("true", "false"):
        return None
    return str(hold).strip().lower() == "true"
