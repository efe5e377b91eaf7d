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
NOT_DECLARED = "{} (not a translation of this integration)"


def declared_value_maps(*, integration: Integration) -> dict[str, str]:
    """The value maps this integration's streams translate through, map name → what customers read ("Rippling
    department → Visma department (cost center)"), from the streams' declarations: no vendor is called, so
    every form can offer them."""
    names: dict[str, str] = {}
    try:
        streams = flow_streams(integration=integration, ctx=flow_context(integration=integration))
    except (InvalidRecord, LookupError):  # options the flow refuses, or a flow no longer built
        streams = []
    for stream in streams:
        names.update({rule.value_map: map_label(rule.value_map) for rule in stream.rules if rule.value_map})
        names.update(stream.value_maps)
    return names


def value_map_names(*, integration: Integration) -> dict[str, str]:
    """declared_value_maps(), and a mapping kept under a name the streams no longer use, listed as such so it
    can still be opened and deleted."""
    names = declared_value_maps(integration=integration)
    for kept in ValueMapping.objects.filter(integration=integration).exclude(map_name__in=list(names)) \
            .values_list("map_name", flat=True).distinct():
        names[kept] = NOT_USED.format(map_label(kept))
    return names


def value_map_title(titles: dict[str, str], map_name: str) -> str:
    """`map_name` in customer words, from the integration's value_map_names(); a name it does not know (a field
    mapping typed before the names were checked) is said to be none of its translations."""
    return titles.get(map_name) or NOT_DECLARED.format(map_label(map_name))


def _not_a_translation(integration: Integration, name: str, names: dict[str, str], consequence: str) -> str:
    offered = "; ".join(f"{each} ({label})" for each, label in names.items()) or "none"
    return f"“{name}” is not a translation {integration.name} uses, so {consequence}. Its translations: {offered}."


def map_name_refusal(*, integration: Integration, map_name: str) -> str:
    """Why `map_name` cannot be saved for this integration ('' if it can): its flow never translates through it,
    so a mapping under it would change nothing."""
    names = value_map_names(integration=integration)
    if map_name in names:
        return ""
    return _not_a_translation(integration, map_name, names, "a mapping under it would change nothing")


def value_map_refusal(*, integration: Integration, value_map: str) -> str:
    """Why a field mapping cannot translate through `value_map` ('' if it can, or translates nothing): the flow
    declares no such translation, so its values could never be mapped and every record would be held."""
    names = declared_value_maps(integration=integration)
    if not value_map or value_map in names:
        return ""
    return _not_a_translation(integration, value_map, names,
                              "no value could be translated through it and every record would be held")


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
