"""What the setup wizard shows for this flow: the board's columns (with their types) to map Visma fields to, the
fields of real Visma documents, the approval labels, and a preview of one real invoice as the item it becomes.

Read live through the connections; nothing is written (a board that does not exist yet is shown as the columns
board setup would create).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from syncs.flows.base import FlowContext, MappingChoices, ValueMapChoices
from syncs.flows.visma_monday.board import NEW, ROLE, layout_match
from syncs.flows.visma_monday.columns import APPROVAL_LABELS
from syncs.mapping import MappingSet, field_paths

FORWARD = ("supplier_invoices", "purchase_orders", "customer_invoices")


def planned_board(ctx: FlowContext, role: str = "documents") -> dict:
    """The layout the flow writes to: the saved one, else the picked board's columns matched by title (the
    wizard's board picker, picker.py), with the columns setup would add shown under the ids it would give them."""
    saved = (ctx.options.get("boards") or {}).get(role)
    if saved:
        return saved
    spec = ROLE[role]
    picked = str(ctx.options.get(spec.option) or "")
    if spec.same_as and not picked:
        return planned_board(ctx, spec.same_as)
    board = None if picked == NEW else ctx.destination.board_get(picked) if picked else next(
        (b for b in ctx.destination.boards_with_columns(limit=100) if b.get("name") == spec.default_name), None)
    board = board or {"id": "(new)", "name": spec.default_name, "columns": []}
    layout, missing, _ = layout_match(board, spec.columns)
    layout.update({c.key: {"id": c.key, "type": c.type, "title": c.title} for c in missing})
    everything = {c["id"]: {"id": c["id"], "type": c["type"], "title": c["title"]}
                  for c in board["columns"] if c["type"] != "name"}
    return {"id": str(board["id"]), "name": board["name"], "columns": layout, "board_columns": everything}


def column_choices(board: dict) -> list[tuple[str, str]]:
    columns = {**board.get("board_columns", {}), **{c["id"]: c for c in board["columns"].values()}}
    return [(c["id"], f"{c['title']} ({c['type']})") for c in columns.values()]


def mapping_choices(ctx: FlowContext) -> MappingChoices:
    from syncs.flows.visma_monday.statuses import APPROVAL_MAP, APPROVAL_MAP_TITLE, DEFAULT_HOLD
    from syncs.flows.visma_monday.streams import CustomerInvoices, PurchaseOrders, SupplierInvoices

    layouts: dict[str, dict] = {}  # one read per board role, not per stream
    for stream in (SupplierInvoices, PurchaseOrders, CustomerInvoices):
        if stream.role not in layouts:
            layouts[stream.role] = planned_board(ctx, stream.role)
    targets = {stream.name: column_choices(layouts[stream.role])
               for stream in (SupplierInvoices, PurchaseOrders, CustomerInvoices)}
    sources = {}
    for stream in (SupplierInvoices, PurchaseOrders, CustomerInvoices):
        first = next(iter(ctx.source.iter_pages(stream(ctx).path, {}, 1)), [])
        sources[stream.name] = field_paths(first[0] if first else {})
    from syncs.engine.read import mapping_set_load

    title, cells = item_preview(ctx, mappings=mapping_set_load(integration=ctx.integration))
    return MappingChoices(
        value_maps=[ValueMapChoices(APPROVAL_MAP, APPROVAL_MAP_TITLE, [(label, label) for label in APPROVAL_LABELS],
                                    [("true", "on hold (true)"), ("false", "released (false)")],
                                    defaults=dict(DEFAULT_HOLD))],
        source_fields=sources, target_fields=targets, preview_title=title,
        preview=[(c.title, c.type, json.dumps(c.value, ensure_ascii=False)) for c in cells])


@dataclass(frozen=True)
class PreviewCell:
    title: str
    type: str
    value: object  # the JSON monday is sent for the column


def item_preview(ctx: FlowContext, *, stream_name: str = "supplier_invoices",
                 mappings: MappingSet | None = None) -> tuple[str, list[PreviewCell]]:
    """How the first real document of `stream_name` would look as an item: (item name, one cell per column)."""
    from syncs.flows.visma_monday.streams import CustomerInvoices, PurchaseOrders, SupplierInvoices

    stream_class = {s.name: s for s in (SupplierInvoices, PurchaseOrders, CustomerInvoices)}[stream_name]
    stream = stream_class(ctx)
    board = planned_board(ctx, stream.role)
    ctx.options = {**ctx.options, "boards": {**(ctx.options.get("boards") or {}), "documents": board,
                                             stream.role: board}}
    stream = stream_class(ctx)
    first = next(iter(ctx.source.iter_pages(stream.path, {}, 1)), [])
    if not first:
        return "", []
    mapped = stream.map(first[0], mappings or MappingSet())
    columns = {**board.get("board_columns", {}), **{c["id"]: c for c in board["columns"].values()}}
    return mapped["name"], [PreviewCell(columns[cid]["title"], columns[cid]["type"], value)
                            for cid, value in mapped["values"].items()]


