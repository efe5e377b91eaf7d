"""Value mappings (department → cost center) and field-mapping overrides of one integration."""
from __future__ import annotations

from rest_framework import serializers

from syncs.models import FieldMapping, ValueMapping


class ValueMappingFilter(serializers.Serializer):
    map_name = serializers.CharField(max_length=60, required=False)


class ValueMappingSetInput(serializers.Serializer):
    """Creates the translation, or changes its target if one exists for map_name + source_value."""

    map_name = serializers.CharField(max_length=60, help_text="Which of the integration's translations, e.g. "
                                     "'department_to_cost_center'; one its flow does not use is refused.")
    source_value = serializers.CharField(max_length=200, trim_whitespace=False)
    target_value = serializers.CharField(max_length=200, trim_whitespace=False)


class ValueMappingOutput(serializers.ModelSerializer):
    class Meta:
        model = ValueMapping
        fields = ("id", "map_name", "source_value", "target_value", "created_at")
        read_only_fields = fields


class FieldMappingFilter(serializers.Serializer):
    stream = serializers.CharField(max_length=60, required=False)


class FieldMappingSetInput(serializers.Serializer):
    """Creates the override for stream + target_field, or replaces the existing one."""

    stream = serializers.CharField(max_length=60)
    target_field = serializers.CharField(max_length=200, help_text="Dotted path in the record written.")
    source_field = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                         help_text="Dotted path in the source record.")
    value_map = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                      help_text="Translate through this value mapping.")
    default = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                    help_text="Used when the source field is empty.")


class FieldMappingOutput(serializers.ModelSerializer):
    class Meta:
        model = FieldMapping
        fields = ("id", "stream", "target_field", "source_field", "value_map", "default")
        read_only_fields = fields
