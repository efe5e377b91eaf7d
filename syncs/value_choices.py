"""The real values a value mapping can take, read live from both vendors through the flow's
`mapping_choices(ctx)` hook (the same one the setup wizard's mapping step uses)."""
from __future__ import annotations

from audit.redaction import redact_text
from connections.vendors.errors import VendorError
from syncs.engine import flow_context
from syncs.engine.read import flow_streams
from syncs.flows import flow_module
from syncs.flows.base import ValueMapChoices
from syncs.mapping import InvalidRecord
from syncs.models import Integration, ValueMapping
from syncs.words import map_label

NOT_USED = "{} (not used by this integration's streams any more)"


def value_map_names(*, integration: Integration) -> dict[str, str]:
    """The value maps this integration translates through, map name → what customers read ("Rippling
    department → Visma department (cost center)"), from its streams' declarations: no vendor is called, so
    every form can offer them. A mapping kept under a name the streams no longer use is listed as such, so
    it can still be opened and deleted."""
    names: dict[str, str] = {}
    try:
        streams = flow_streams(integration=integration, ctx=flow_context(integration=integration))
    except (InvalidRecord, LookupError):  # options the flow refuses, or a flow no longer built
        streams = []
    for stream in streams:
        names.update({rule.value_map: map_label(rule.value_map) for rule in stream.rules if rule.value_map})
        names.update(stream.value_maps)
    for kept in ValueMapping.objects.filter(integration=integration).exclude(map_name__in=list(names)) \
            .values_list("map_name", flat=True).distinct():
        names[kept] = NOT_USED.format(map_label(kept))
    return names


def map_name_refusal(*, integration: Integration, map_name: str) -> str:
    """Why `map_name` cannot be saved for this integration ('' if it can): its flow never translates through it,
    so a mapping under it would change nothing."""
    names = value_map_names(integration=integration)
    if map_name in names:
        return ""
    offered = "; ".join(f"{name} ({label})" for name, label in names.items()) or "none"
    return (f"“{map_name}” is not a translation {integration.name} uses, so a mapping under it would change "
            f"nothing. Its translations: {offered}.")


def value_map_choices(*, integration: Integration, map_name: str) -> tuple[ValueMapChoices | None, str]:
    """(the map's choices or None when the flow offers none, an error if the vendors could not be read)."""
    hook = getattr(flow_module(integration.flow_kind), "mapping_choices", None)
    if hook is None:
        return None, ""
    try:
        choices = hook(flow_context(integration=integration))
    except VendorError as error:
        return None, (f"The values could not be read from the vendors ({redact_text(str(error))}), so the target "
                      "is typed in and cannot be checked; test the connections, then open this page again.")
    return next((c for c in choices.value_maps if c.map_name == map_name), None), ""


def target_refusal(choices: ValueMapChoices, value: str) -> str:
    """Why `value` cannot be a target of this map ('' if it can): the destination has no such value."""
    if not choices.target_values or not value or value in dict(choices.target_values):
        return ""
    return (f"“{value}” is not one of the values the destination offers for {choices.label}; a record written "
            "with it would be refused. Choose one from the list (read from the destination just now).")
