"""Visma.net → Power BI: GL accounts, dimensions (subaccount segments), supplier and customer invoices, payments
and journal transaction lines → push-dataset tables.

* Visma is read by `lastModifiedDateTime` delta (VismaDeltaStream), pages of 1,000, checkpointed per page.
* Every table is a change log: one row per version of a record (`Version` = Visma's lastModifiedDateTime,
  `BatchId`, `Deleted`); the declared measures sum each record once at its latest version, so an update (an
  invoice paid) is a new row and a replayed or resent batch never changes a sum (docs/flows/visma-powerbi.md).
* Rows are appended in batches of up to 10,000 per POST, paced by the client's declared quotas (120 POSTs a
  minute and 1,000,000 rows an hour per dataset) through the shared limiter.
* A row Power BI would refuse (type, length, required column) is quarantined with its reason.
* The dataset is the integration's `dataset_id` option, else the push dataset named `dataset_name` (default
  "Visma Finance"), else created from the declared schema.
"""
from __future__ import annotations

from syncs.flows import FlowSpec
from syncs.flows.base import FlowContext, Stream
from syncs.flows.visma_powerbi.columns import mapping_choices  # noqa: F401  (the wizard's hook)
from syncs.flows.visma_powerbi.streams import (
    CustomerInvoices,
    Dimensions,
    GLAccounts,
    JournalLines,
    Payments,
    SupplierInvoices,
)

STREAMS = (GLAccounts, Dimensions, SupplierInvoices, CustomerInvoices, Payments, JournalLines)
FLOW = FlowSpec("visma_powerbi", "Visma.net → Power BI", "visma", "powerbi", tuple(s.name for s in STREAMS), 15)


def build_streams(ctx: FlowContext) -> list[Stream]:
    ctx.options["_tables"] = [stream.table for stream in STREAMS]  # the last one pushed asks for the refresh
    return [stream(ctx) for stream in STREAMS]


def admin_urls(model_admin) -> list:
    """The integration's Power BI page: batches (lineage, replay), schema (apply), refreshes."""
    from syncs.flows.visma_powerbi.admin_views import admin_urls as urls  # admin code only when the admin loads

    return urls(model_admin)


def dashboard_include(integration, model_admin) -> dict:
    from syncs.flows.visma_powerbi.admin_views import dashboard_part

    return dashboard_part(integration, model_admin)
