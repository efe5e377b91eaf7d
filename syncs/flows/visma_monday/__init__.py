"""Visma.net ↔ monday.com: supplier invoices, purchase orders, customer invoices (with AR aging) and GL account /
dimension reference data become board items; the approval label set on the board flows back to Visma's `hold`.

* Visma → monday (streams.py, each a BoardItems of board_items.py): Visma's webhooks (`<entity>.created/changed`,
  sent once, no retry) name the document, which is re-read and upserted; the integration's poll on
  `lastModifiedDateTime` is the backstop (every 15 minutes by default, `backstop_every_minutes` when webhooks
  are on). One item per document, found again by the key column `visma_key` = `<resource>:<source id>`: the id
  map says which item to update, and an unknown outcome (a crash after monday made the item) is reconciled by
  looking the key up, never re-created.
* Boards (board.py): one per resource (supplier invoices, purchase orders, customer invoices, reference data),
  picked in the setup wizard (picker.py: the account's boards, or a new one) or found by name, else created with
  their columns on the first run; their layouts (flow value → board column) are saved in the integration's
  options. Values are encoded per column type (columns.py) from the document's fields (fields.py).
* Deletes (deletes.py): a document deleted in Visma (its webhook, or gone from the full listing now and then) is
  archived on the board once.
* monday → Visma (statuses.py): the approval column's webhook → the item re-read → `hold` with If-Match; deliveries
  our own monday user caused are ignored at the intake (connections/vendors/monday/webhooks.py `screen`).
* Pacing: the monday client waits out the complexity budget (and raises VendorRateLimited past 30 s, which the
  engine turns into a Celery retry); mutations are serialised per board.
"""
from __future__ import annotations

from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, Stream
from syncs.flows.visma_monday.board import destination_setup  # noqa: F401  (the wizard's hook, before enabling)
from syncs.flows.visma_monday.moves import options_moves  # noqa: F401  (a board changed after go-live)
from syncs.flows.visma_monday.picker import option_choices, options_check  # noqa: F401  (the board picker's hooks)
from syncs.flows.visma_monday.statuses import ApprovalStatuses
from syncs.flows.visma_monday.streams import (CustomerInvoices, Dimensions, GLAccounts, PurchaseOrders,
                                              SupplierInvoices)
from syncs.flows.visma_monday.wizard import mapping_choices  # noqa: F401  (the wizard's hook)

STREAMS = (GLAccounts, Dimensions, SupplierInvoices, PurchaseOrders, CustomerInvoices, ApprovalStatuses)
FLOW = FlowSpec("visma_monday", "Visma.net ↔ monday.com", "visma", "monday", tuple(s.name for s in STREAMS), 15)


def build_streams(ctx: FlowContext) -> list[Stream]:
    return [stream(ctx) for stream in STREAMS]
