"""Writing Visma.net journal transactions: a destination with no natural key, found again by a reference.

A building block for flows that post to the general ledger (a pay run → one journal transaction), not a
flow itself. A journal transaction posted twice is a double posting, and nothing in it identifies the
source, so every line carries a reference derived from the write's idempotency key in `referenceNumber`
(JournalTransactionDto line field, docs/vendors/visma.md §4). After an unknown outcome the engine calls `reconcile`,
which looks that reference up in the transaction's period before anything is posted again.
"""
from __future__ import annotations

from connections.vendors.visma.client import JOURNAL_TRANSACTIONS, path_key
from connections.vendors.visma.schemas import wrap_values
from syncs.flows.base import Intent, Stream, WriteMode

REFERENCE_PREFIX = "MLC"
REFERENCE_LENGTH = 15  # short enough for the ERP's reference column; 48 bits of the key stay unique enough


def journal_reference(key: str) -> str:
    return (REFERENCE_PREFIX + key)[:REFERENCE_LENGTH]


def period_of(mapped: dict) -> str | None:
    """YYYYPP of the transaction date, to keep the reconciliation lookup to one period."""
    date = str(mapped.get("transactionDate") or "")
    return date[:4] + date[5:7] if len(date) >= 7 else None


class VismaJournalStream(Stream):
    """map() returns JournalTransactionUpdateDto fields, unwrapped: transactionDate, description and
    journalTransactionLines [{accountNumber, subaccount, debitAmountInCurrency | creditAmountInCurrency, …}]."""

    write_mode = WriteMode.AGGREGATE
    # Nothing stops a second posting of the same transaction (no natural key), so a timed-out posting is
    # searched for only after a short wait: a posting Visma takes but books a moment later is then found by
    # its reference, not posted again (tests/syncs/test_crash_windows.py).
    reconcile_after_seconds = 3.0

    def write_intent(self, intent: Intent) -> str:
        reference = journal_reference(intent.key)
        if intent.target_id:
            # A corrected source replaces the header; lines of a posted batch are Visma's to keep.
            fields = {k: v for k, v in intent.mapped.items() if k != "journalTransactionLines"}
            self.destination.update(f"{JOURNAL_TRANSACTIONS}/{path_key(intent.target_id)}", wrap_values(fields))
            return intent.target_id
        lines = [{**line, "referenceNumber": reference} for line in intent.mapped.get("journalTransactionLines", [])]
        key, _ = self.destination.create_journal_transaction({**intent.mapped, "journalTransactionLines": lines})
        return key

    def reconcile(self, intent: Intent) -> str | None:
        found = self.destination.find_journal_transaction(journal_reference(intent.key), period_of(intent.mapped))
        return str(found["batchNumber"]) if found else None
