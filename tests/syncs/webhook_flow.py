"""A webhook-fed test flow: Visma customers → Visma suppliers, re-reading each customer a Visma webhook names.

The same stream as the engine tests' flow, with a webhook trigger beside the poll: a `customer.*`
notification carries only the customer number, so `fetch_records` GETs the customer.
"""
from connections.vendors.errors import VendorNotFound
from syncs.flows import FlowSpec, register_flow
from syncs.flows.base import Trigger
from tests.syncs.flow_under_test import CustomersToSuppliers

KIND = "test_customer_hooks"
SPEC = register_flow(FlowSpec(KIND, "Test: Visma customer webhooks → Visma suppliers", "visma", "visma",
                              ("customers",), module=__name__))


class CustomerHooks(CustomersToSuppliers):
    triggers = frozenset({Trigger.POLL, Trigger.WEBHOOK})
    webhook_events = frozenset({"customer.created", "customer.changed"})

    def fetch_records(self, source_ids):
        records = []
        for number in source_ids:
            try:
                records.append(self.source.get(f"v1/customer/{number}")[0])
            except VendorNotFound:
                continue  # deleted since the notification: nothing to write
        return records


def build_streams(ctx):
    return [CustomerHooks(ctx)]
