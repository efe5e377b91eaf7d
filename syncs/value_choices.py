"""The real values a value mapping can take, read live from both vendors through the flow's
`mapping_choices(ctx)` hook (the same one the setup wizard's mapping step uses)."""
from __future__ import annotations

from audit.redaction import redact_text
from connections.vendors.errors import VendorError
from syncs.engine import flow_context
from syncs.flows import flow_module
from syncs.flows.base import ValueMapChoices
from syncs.models import Integration


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
