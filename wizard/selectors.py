"""Reads for the setup wizard; every selector takes the tenant (or the user's tenant ids) explicitly."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from audit.redaction import redact_text
from connections.models import Connection, Tenant
from connections.selectors import connection_list
from connections.vendors.errors import VendorError
from syncs.engine import flow_context, flow_streams
from syncs.flows import FLOWS, FlowSpec, flow_module
from syncs.flows.base import MappingChoices, OptionChoice, ValueMapChoices
from syncs.mapping import FieldRule
from syncs.models import Integration
from syncs.preview import Preview, latest_dry_run, preview_of
from syncs.selectors import field_mapping_list, flow_option_choices_read, integration_name_taken, value_mapping_list
from wizard.models import IntegrationDraft


def implemented_flows() -> list[FlowSpec]:
    """Flows that can be set up: every registered flow (only built flows are registered)."""
    return sorted(FLOWS.values(), key=lambda spec: spec.label)


def draft_list(*, tenant_ids: list[int]) -> QuerySet[IntegrationDraft]:
    """Drafts not finished yet, for "continue where you left off"."""
    return (IntegrationDraft.objects.filter(tenant_id__in=tenant_ids, completed_at__isnull=True)
            .select_related("tenant").order_by("-updated_at", "-pk"))


def draft_get(*, tenant_ids: list[int], pk: int) -> IntegrationDraft | None:
    return (IntegrationDraft.objects.filter(tenant_id__in=tenant_ids, pk=pk)
            .select_related("tenant", "source", "destination", "integration").first())


def draft_connections(*, draft: IntegrationDraft, kind: str) -> QuerySet[Connection]:
    return connection_list(tenant=draft.tenant, kind=kind).order_by("name", "pk")


def draft_connection_get(*, draft: IntegrationDraft, kind: str, pk: int) -> Connection | None:
    return draft_connections(draft=draft, kind=kind).filter(pk=pk).first()


def draft_name_taken(*, tenant: Tenant, name: str) -> bool:
    return (integration_name_taken(tenant=tenant, name=name)
            or draft_list(tenant_ids=[tenant.pk]).filter(name=name).exists())


def flow_option_choices(*, integration: Integration) -> list[OptionChoice]:
    """The options the flow reads live from its vendors (e.g. the monday boards to pick from); none when the
    vendor cannot be read now (the step still works without them)."""
    return flow_option_choices_read(integration=integration)[0]


# --- the mapping step --------------------------------------------------------------------------

@dataclass
class StreamFields:
    """One stream's field rules as the wizard shows them: target ← (override or default) source."""

    stream: str
    rules: list[FieldRule]
    overrides: dict[str, str]  # target → source field of the customer's FieldMapping
    source_fields: list[str] = field(default_factory=list)
    target_fields: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class MappingPage:
    value_maps: list[ValueMapChoices]
    current_values: dict[str, dict[str, str]]  # map name → source value → target value
    streams: list[StreamFields]
    error: str = ""  # the vendors could not be read: values are typed in instead
    preview_title: str = ""  # the flow's preview of one real record at the destination (MappingChoices)
    preview: list[tuple[str, str, str]] = field(default_factory=list)


def mapping_page(*, integration: Integration) -> MappingPage:
    """What the mapping step offers: the flow's `mapping_choices(ctx)` hook, read live from both vendors,
    or, for flows without it, the value maps named in the streams' rules with free-text values."""
    ctx = flow_context(integration=integration)
    streams = flow_streams(integration=integration, ctx=ctx)
    hook = getattr(flow_module(integration.flow_kind), "mapping_choices", None)
    choices, error = MappingChoices(), ""
    if hook is not None:
        try:
            choices = hook(ctx)
        except VendorError as vendor_error:
            error = redact_text(str(vendor_error))
    if not choices.value_maps:
        named: dict[str, str] = {}
        for stream in streams:
            named.update({rule.value_map: rule.label or rule.value_map.replace("_", " ")
                          for rule in stream.rules if rule.value_map})
            named.update(stream.value_maps)
        choices.value_maps = [ValueMapChoices(name, label) for name, label in named.items()]
    current: dict[str, dict[str, str]] = {}
    for mapping in value_mapping_list(integration=integration):
        current.setdefault(mapping.map_name, {})[mapping.source_value] = mapping.target_value
    overrides: dict[str, dict[str, str]] = {}
    for mapping in field_mapping_list(integration=integration):
        overrides.setdefault(mapping.stream, {})[mapping.target_field] = mapping.source_field
    stream_fields = [
        StreamFields(stream.name, list(stream.rules), overrides.get(stream.name, {}),
                     choices.source_fields.get(stream.name, []), choices.target_fields.get(stream.name, []))
        for stream in streams if stream.rules or stream.name in overrides]
    return MappingPage(choices.value_maps, current, stream_fields, error, choices.preview_title, choices.preview)


# --- the preview step: syncs/preview.py, shared with the dashboard's dry run ---------------------------

def latest_preview(*, integration: Integration) -> Preview | None:
    run = latest_dry_run(integration=integration)
    return preview_of(run=run) if run is not None else None
