"""The flow registry: which source → destination integrations exist and what they sync.

Each flow is a package ``syncs/flows/<flow>/`` whose ``__init__`` defines ``FLOW`` (a FlowSpec) and
``build_streams(ctx)`` (and optionally ``mapping_choices(ctx)`` for the setup wizard, ``admin_urls(model_admin)``
for pages of its own under an integration in the admin, ``dashboard_include(integration, model_admin)`` for a
part of the integration's dashboard). Packages are
discovered, like vendor packages, so a flow that is not built is listed nowhere: not in the API, the
wizard or the model. Plain modules here (``base``, ``visma_source``) are shared building blocks, not
flows. The engine asks here by kind and never imports a vendor module itself.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace
from types import ModuleType


@dataclass(frozen=True)
class FlowSpec:
    kind: str
    label: str
    source_kind: str
    destination_kind: str
    streams: tuple[str, ...]
    default_every_minutes: int = 15
    module: str = ""  # the module defining build_streams(ctx); set by discovery for flow packages

    @property
    def module_path(self) -> str:
        return self.module or f"syncs.flows.{self.kind}"


FLOWS: dict[str, FlowSpec] = {}


def register_flow(spec: FlowSpec) -> FlowSpec:
    """Discovery registers the built flows; tests register their own small flows the same way."""
    FLOWS[spec.kind] = spec
    return spec


def get_flow(kind: str) -> FlowSpec:
    try:
        return FLOWS[kind]
    except KeyError:
        raise LookupError(f"Unknown flow kind {kind!r}; known: {', '.join(sorted(FLOWS))}.") from None


def flow_module(kind: str) -> ModuleType:
    """The module with the flow's build_streams(ctx) and optional mapping_choices(ctx)."""
    return importlib.import_module(get_flow(kind).module_path)


def flow_choices() -> list[tuple[str, str]]:
    return [(spec.kind, spec.label) for spec in sorted(FLOWS.values(), key=lambda s: s.label)]


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            register_flow(replace(module.FLOW, module=module.FLOW.module or module.__name__))


_discover()
