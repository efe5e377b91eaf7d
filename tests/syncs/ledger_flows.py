"""Test flows for destinations without a natural key: Visma journal transactions, and an append-only
destination written in batches. Their source is a list the test sets (pay runs), their destinations are
real: the Visma sandbox and `append_server` over HTTP.
"""
from __future__ import annotations

import requests

from syncs.flows import FlowSpec, register_flow
from syncs.flows.base import Intent, Page, Stream, WriteMode
from syncs.flows.visma_journal import VismaJournalStream

JOURNAL_KIND = "test_pay_runs_to_journal"
APPEND_KIND = "test_pay_runs_to_append"
BLIND_KIND = "test_pay_runs_to_unsearchable_journal"
SUBACCOUNT = [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "1000"}]


class SimulatedCrash(RuntimeError):
    """Stands in for the worker dying after the destination answered, before our commit."""


class PayRuns:
    """The source side: one page of pay runs, and a test switch to crash once after the destination answered."""

    pay_runs: list[dict] = []
    crash_after_answer = 0  # this many writes crash after their call returned

    def fetch(self, cursor):
        yield Page(list(type(self).pay_runs), {"read": True})

    def crash_if_asked(self) -> None:
        if PayRuns.crash_after_answer > 0:
            PayRuns.crash_after_answer -= 1
            raise SimulatedCrash("worker died after the destination answered")


class PayRunJournal(PayRuns, VismaJournalStream):
    name = "pay_runs"

    def map(self, record, mappings):
        amount = float(record["gross"])
        return {"transactionDate": record["date"], "description": f"Pay run {record['id']}",
                "journalTransactionLines": [
                    {"accountNumber": "7010", "subaccount": SUBACCOUNT, "debitAmountInCurrency": amount,
                     "transactionDescription": "Salaries"},
                    {"accountNumber": "1930", "subaccount": SUBACCOUNT, "creditAmountInCurrency": amount,
                     "transactionDescription": "Salaries"}]}

    def write_intent(self, intent: Intent) -> str:
        target = super().write_intent(intent)
        self.crash_if_asked()
        return target


class BlindPayRunJournal(PayRunJournal):
    """The same destination as if it could not be searched."""

    reconcile = Stream.reconcile


class PayRunRows(PayRuns, Stream):
    name = "pay_runs"
    write_mode = WriteMode.APPEND
    batch_size = 3
    url = ""  # set by the test: where append_server listens

    def map(self, record, mappings):
        return {"pay_run": record["id"], "gross": record["gross"]}

    def write_intent(self, intent: Intent) -> str:  # batch_size 1: a batch of one, named by its key
        intent.batch = batch_of(intent)
        return self.write_batch([intent])[0]

    def write_batch(self, intents: list[Intent]) -> list[str]:
        batch = intents[0].batch
        response = requests.post(f"{self.url}/batches", json={"batch_id": batch, "rows": [i.mapped for i in intents]},
                                 timeout=10)
        response.raise_for_status()
        self.crash_if_asked()
        return [f"{batch}:{n}" for n in range(len(intents))]

    def reconcile(self, intent: Intent) -> str | None:
        batch = batch_of(intent)
        rows = requests.get(f"{self.url}/rows", params={"batch_id": batch}, timeout=10).json()["rows"]
        for n, row in enumerate(rows):
            if row["pay_run"] == intent.mapped["pay_run"]:
                return f"{batch}:{n}"
        return None


def batch_of(intent: Intent) -> str:
    return intent.batch or intent.key[:32]


def register() -> None:
    register_flow(FlowSpec(JOURNAL_KIND, "Test: pay runs → Visma journal", "visma", "visma", ("pay_runs",),
                           module=__name__))
    register_flow(FlowSpec(APPEND_KIND, "Test: pay runs → append rows", "visma", "visma", ("pay_runs",),
                           module=__name__))
    register_flow(FlowSpec(BLIND_KIND, "Test: pay runs → unsearchable journal", "visma", "visma", ("pay_runs",),
                           module=__name__))


def build_streams(ctx):
    kinds = {JOURNAL_KIND: PayRunJournal, APPEND_KIND: PayRunRows, BLIND_KIND: BlindPayRunJournal}
    return [kinds[ctx.integration.flow_kind](ctx)]
