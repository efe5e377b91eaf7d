"""Writes for mapping rows beyond `value_mapping_set` (syncs/services.py): deletions and field overrides.

Apart from services.py only so they could be written while that module was being changed;
they belong there.
"""
from __future__ import annotations

from django.db import transaction

from changelog.services import change_record
from changelog.snapshots import field_mapping_snapshot, value_mapping_snapshot
from syncs.flows import get_flow
from syncs.models import FieldMapping, Integration, ValueMapping
from syncs.value_choices import value_map_refusal


class MappingError(ValueError):
    """A mapping refused; `field` is the input it is about (the API and the admin put the message there)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@transaction.atomic
def value_mapping_delete(*, mapping: ValueMapping, actor=None) -> None:
    # Records already written through it keep their value; new ones needing it are held again.
    change_record(tenant=mapping.tenant, actor=actor, obj=mapping, object_type="value_mapping", action="deleted",
                  before=value_mapping_snapshot(mapping))
    mapping.delete()


def field_mapping_check(*, integration: Integration, stream: str, source_field: str, default: str,
                        value_map: str = "") -> None:
    streams = get_flow(integration.flow_kind).streams
    if stream not in streams:
        raise MappingError(f"{integration.flow_kind} has no stream {stream!r}; it has {', '.join(streams)}.")
    if not source_field and not default:
        raise MappingError("Give a source field, a default, or both.")
    refusal = value_map_refusal(integration=integration, value_map=value_map)
    if refusal:  # a typo would translate through nothing, and hold every record for a mapping nobody can make
        raise MappingError(refusal, field="value_map")


@transaction.atomic
def field_mapping_set(*, integration: Integration, stream: str, target_field: str, source_field: str = "",
                      value_map: str = "", default: str = "", actor=None) -> tuple[FieldMapping, bool]:
    """Create or replace where one target field of a stream comes from. Returns (mapping, created)."""
    field_mapping_check(integration=integration, stream=stream, source_field=source_field, default=default,
                        value_map=value_map)
    stored = FieldMapping.objects.filter(integration=integration, stream=stream, target_field=target_field).first()
    mapping, created = FieldMapping.objects.update_or_create(
        integration=integration, stream=stream, target_field=target_field,
        defaults={"tenant": integration.tenant, "source_field": source_field, "value_map": value_map,
                  "default": default})
    change_record(tenant=integration.tenant, actor=actor, obj=mapping, object_type="field_mapping",
                  action="created" if created else "updated",
                  before=field_mapping_snapshot(stored) if stored else None, after=field_mapping_snapshot(mapping))
    return mapping, created


@transaction.atomic
def field_mapping_delete(*, mapping: FieldMapping, actor=None) -> None:
    # The flow's default rule for the field applies again from the next run.
    change_record(tenant=mapping.tenant, actor=actor, obj=mapping, object_type="field_mapping", action="deleted",
                  before=field_mapping_snapshot(mapping))
    mapping.delete()
