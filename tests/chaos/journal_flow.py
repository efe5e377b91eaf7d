"""A chaos flow for a destination with no natural key: every Rippling worker becomes one Visma journal
transaction (a stand-in for a pay run's posting), found again only by the `MLC…` reference its lines carry.

Imported by the chaos worker process (`--include`), so it registers itself at import, as flow packages are
discovered. The source is the Rippling sandbox over HTTP, reachable from that process.
"""
from syncs.flows import FlowSpec, register_flow
from syncs.flows.base import Trigger
from syncs.flows.rippling_visma.streams import RipplingPagedStream
from syncs.flows.visma_journal import VismaJournalStream

KIND = "test_rippling_workers_to_journal"
SPEC = register_flow(FlowSpec(KIND, "Test: Rippling workers → Visma journal postings", "rippling", "visma",
                              ("worker_postings",), module=__name__))
SUBACCOUNT = [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "1000"}]


def posting_description(worker: dict) -> str:
    return f"Worker {int(worker['number'])}"


def posting_amount(worker: dict) -> float:
    return 1000.0 + int(worker["number"]) % 97 + 0.25


class WorkerPostings(VismaJournalStream, RipplingPagedStream):
    name = "worker_postings"
    triggers = frozenset({Trigger.POLL})

    def pages(self, since, next_link):
        return self.source.worker_pages(updated_since=since, next_link=next_link, page_size=self.page_size)

    def map(self, record, mappings):
        amount = posting_amount(record)
        return {"transactionDate": "2026-11-30", "description": posting_description(record),
                "journalTransactionLines": [
                    {"accountNumber": "7010", "subaccount": SUBACCOUNT, "debitAmountInCurrency": amount,
                     "transactionDescription": "Salary"},
                    {"accountNumber": "1930", "subaccount": SUBACCOUNT, "creditAmountInCurrency": amount,
                     "transactionDescription": "Salary"}]}


def build_streams(ctx):
    return [WorkerPostings(ctx)]
