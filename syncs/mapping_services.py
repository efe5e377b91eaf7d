"""Writes for mapping rows beyond `value_mapping_set` (syncs/services.py): deletions and field overrides.

Apart from services.py only so they could be written while that module was being changed;
they belong there.
"""
from __future__ import annotations

from django.db import transaction

from syncs.flows import get_flow
from syncs.models import FieldMapping, Integration, ValueMapping


class MappingError(ValueError):
    pass


@transaction.atomic
def value_mapping_delete(*, mapping: ValueMapping) -> None:
    # Records already written through it keep their value; new ones needing it are held again.
    mapping.delete()


@transaction.atomic
def field_mapping_set(*, integration: Integration, stream: str, target_field: str, source_field: str = "",
                      value_map: str = "", default: str = "") -> tuple[FieldMapping, bool]:
    """Create or replace where one target field of a stream comes from. Returns (mapping, created)."""
    streams = get_flow(integration.flow_kind).streams
    if stream not in streams:
        raise MappingError(f"{integration.flow_kind} has no stream {stream!r}; it has {', '.join(streams)}.")
    if not source_field and not default:
        raise MappingError("Give a source field, a default, or both.")
    return FieldMapping.objects.update_or_create(
        integration=integration, stream=stream, target_field=target_field,
        defaults={"tenant": integration.tenant, "source_field": source_field, "value_map": value_map,
                  "default": default})


@transaction.atomic
def field_mapping_delete(*, mapping: FieldMapping) -> None:
    # The flow's default rule for the field applies again from the next run.
    mapping.delete()
