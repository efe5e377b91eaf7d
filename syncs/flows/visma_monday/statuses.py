"""monday.com → Visma.net: the approval label set on the board becomes the document's `hold` in Visma.

monday calls our intake when the board's approval column changes (a webhook board setup registers; the challenge
is answered and an app-signed JWT verified by `connections/vendors/monday/webhooks.py`, redeliveries deduped on
triggerUuid). The event only names the item, so the item is read again (its current label wins over an older
event's) and its key column says which Visma document it stands for.

* The label is translated by the value mapping `monday_approval_label` (label → "true"/"false" for `hold`), else
  by the defaults below; any other label is held with the reason until someone maps it, then released.
* The write reads the document with its ETag and PUTs with If-Match; a 412 (someone saved it in Visma meanwhile)
  reads it again and re-applies once.
* Loop guard: a document that already holds the value is not written. Our own forward writes set the label Visma
  already implies, so their echo from monday ends here with no PUT, and no Visma webhook comes back. The id map's
  content hash stops a repeated delivery of the same label (a new triggerUuid for the same state) as well.
"""
from __future__ import annotations

from connections.vendors.errors import VendorConflict
from connections.vendors.visma.schemas import wrap_values
from syncs.flows.base import Intent, Stream, Trigger, WriteMode
from syncs.flows.visma_monday.board import APPROVAL_ROLES, boards_ensure
from syncs.flows.visma_monday.columns import APPROVAL, KEY
from syncs.mapping import InvalidRecord, MappingSet, MissingMapping

APPROVAL_MAP = "monday_approval_label"
APPROVAL_MAP_TITLE = "monday approval label → Visma hold (true/false)"
DEFAULT_HOLD = {"Approved": "false", "On hold": "true", "Pending": "true"}
# Visma resources whose documents take `hold` on PUT (SupplierInvoiceUpdateDto, PurchaseOrderUpdateDto).
WRITABLE = {"supplierInvoice": "supplier invoice", "purchaseorder": "purchase order"}


class ApprovalStatuses(Stream):
    name = "approval_statuses"
    triggers = frozenset({Trigger.WEBHOOK})
    webhook_from = "destination"
    webhook_events = frozenset({"update_column_value"})
    write_mode = WriteMode.UPSERT
    value_maps = {APPROVAL_MAP: APPROVAL_MAP_TITLE}

    def fetch(self, cursor):
        return iter(())  # fed by monday's webhooks only; Visma's own state is what the forward poll reads

    def fetch_records(self, source_ids: list[str]) -> list[dict]:
        layouts = boards_ensure(self.ctx)
        # The boards whose approvals flow back (supplier invoices', purchase orders'), by id.
        boards = {layouts[r]["id"]: layouts[r] for r in APPROVAL_ROLES if r in layouts} or {
            layouts["documents"]["id"]: layouts["documents"]}
        records = []
        for item in self.destination.items_get(source_ids):  # the monday client
            board = boards.get(str((item.get("board") or {}).get("id")))
            if board is None:
                continue  # another board's item: not ours to write back
            key_id, approval_id = board["columns"][KEY]["id"], board["columns"][APPROVAL]["id"]
            values = {v["id"]: v for v in item.get("column_values") or []}
            key = (values.get(key_id) or {}).get("text")
            if key:
                records.append({"item_id": str(item["id"]), "key": key,
                                "label": (values.get(approval_id) or {}).get("text") or ""})
        return records

    def source_id(self, record: dict) -> str:
        return str(record["item_id"])

    def map(self, record: dict, mappings: MappingSet) -> dict:
        resource, _, rest = str(record["key"]).partition(":")
        if resource not in WRITABLE:
            raise InvalidRecord(f"item {record['item_id']} is a {resource or 'document'} in Visma, which has no "
                                "approval to write back; its label is left on the board only")
        label = record["label"].strip()
        if not label:
            raise InvalidRecord(f"item {record['item_id']} has no approval label")
        try:
            hold = mappings.translate(APPROVAL_MAP, label, APPROVAL_MAP_TITLE)
        except MissingMapping:
            if label not in DEFAULT_HOLD:
                raise MissingMapping(APPROVAL_MAP, label, APPROVAL_MAP_TITLE, f"board label '{label}'") from None
            hold = DEFAULT_HOLD[label]
        if hold.strip().lower() not in ("true", "false"):
            raise InvalidRecord(f"the mapping of label '{label}' is {hold!r}; it must be true or false (hold)")
        return {"path": f"v1/{resource}/{rest.rsplit(':', 1)[-1]}", "hold": hold.strip().lower() == "true",
                "label": label}

    def natural_key(self, mapped: dict) -> str | None:
        return mapped["path"]

    def reconcile(self, intent: Intent) -> str | None:
        return None  # the write is idempotent: it reads before it writes and skips what is already so

    def write_intent(self, intent: Intent) -> str:
        path, hold = intent.mapped["path"], intent.mapped["hold"]
        for attempt in (1, 2):
            current, etag = self.source.get(path)  # the Visma client: this stream flows back
            if current.get("hold") is hold:
                return path  # already so in Visma: nothing to write, so nothing echoes back to the board
            try:
                self.source.update(path, wrap_values({"hold": hold}), etag=etag)
                return path
            except VendorConflict as conflict:
                if conflict.status != 412 or attempt == 2:
                    raise
        return path
