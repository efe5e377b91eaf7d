"""The flow registry: which source → destination integrations exist and what they sync.

A flow kind names its two vendor kinds and its streams. The engine asks here by
kind and never imports a vendor module itself.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowSpec:
    kind: str
    label: str
    source_kind: str
    destination_kind: str
    streams: tuple[str, ...]
    default_every_minutes: int = 15
    module: str = ""  # defines build_streams(ctx); defaults to syncs.flows.<kind>

    @property
    def module_path(self) -> str:
        return self.module or f"syncs.flows.{self.kind}"


FLOWS: dict[str, FlowSpec] = {
    spec.kind: spec
    for spec in (
        FlowSpec("dayforce_visma", "Dayforce → Visma.net", "dayforce", "visma",
                 ("org_units", "employees", "pay_summaries"), 60),
        FlowSpec("paychex_visma", "Paychex → Visma.net", "paychex", "visma",
                 ("organizations", "jobs", "workers"), 30),
        FlowSpec("rippling_visma", "Rippling → Visma.net", "rippling", "visma",
                 ("departments", "employees"), 15),
        FlowSpec("visma_powerbi", "Visma.net → Power BI", "visma", "powerbi",
                 ("gl_accounts", "supplier_invoices", "customer_invoices", "payments", "journal_transactions"), 60),
        FlowSpec("visma_monday", "Visma.net → monday.com", "visma", "monday",
                 ("reference_data", "supplier_invoices", "purchase_orders", "customer_invoices"), 15),
    )
}


def register_flow(spec: FlowSpec) -> FlowSpec:
    FLOWS[spec.kind] = spec
    return spec


def get_flow(kind: str) -> FlowSpec:
    try:
        return FLOWS[kind]
    except KeyError:
        raise LookupError(f"Unknown flow kind {kind!r}; known: {', '.join(sorted(FLOWS))}.") from None


def flow_choices() -> list[tuple[str, str]]:
    return [(spec.kind, spec.label) for spec in FLOWS.values()]
