"""Value mappings (department → cost center) and field-mapping overrides of one integration."""
from __future__ import annotations

from rest_framework import serializers

from syncs.models import FieldMapping, ValueMapping
from syncs.value_choices import value_map_names, value_map_title


class TitledByIntegration(serializers.ModelSerializer):
    """Names a translation in customer words, as the wizard and the admin do (value_map_names). Every response is
    about one integration's mappings, so its titles are read once, for the first row, and kept in the (list's
    shared) context for the others."""

    def title(self, obj, map_name: str) -> str:
        if "map_titles" not in self.context:
            self.context["map_titles"] = value_map_names(integration=obj.integration)
        return value_map_title(self.context["map_titles"], map_name)


class ValueMappingFilter(serializers.Serializer):
    map_name = serializers.CharField(max_length=60, required=False)


class ValueMappingSetInput(serializers.Serializer):
    """Creates the translation, or changes its target if one exists for map_name + source_value."""

    map_name = serializers.CharField(max_length=60, help_text="Which of the integration's translations, e.g. "
                                     "'department_to_cost_center'; one its flow does not use is refused.")
    source_value = serializers.CharField(max_length=200, trim_whitespace=False)
    target_value = serializers.CharField(max_length=200, trim_whitespace=False)


class ValueMappingOutput(TitledByIntegration):
    map_title = serializers.SerializerMethodField(help_text="The translation in customer words, e.g. "
                                                            "'Rippling department → Visma department (cost center)'.")

    class Meta:
        model = ValueMapping
        fields = ("id", "map_name", "map_title", "source_value", "target_value", "created_at")
        read_only_fields = fields

    def get_map_title(self, mapping) -> str:
        return self.title(mapping, mapping.map_name)


class FieldMappingFilter(serializers.Serializer):
    stream = serializers.CharField(max_length=60, required=False)


class FieldMappingSetInput(serializers.Serializer):
    """Creates the override for stream + target_field, or replaces the existing one."""

    stream = serializers.CharField(max_length=60)
    target_field = serializers.CharField(max_length=200, help_text="Dotted path in the record written.")
    source_field = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                         help_text="Dotted path in the source record.")
    value_map = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                      help_text="Translate through this value mapping: one of the translations "
                                                "the integration's flow declares (a name it does not is refused, "
                                                "the message lists the ones it does); blank for none.")
    default = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                    help_text="Used when the source field is empty.")


class FieldMappingOutput(TitledByIntegration):
    value_map_title = serializers.SerializerMethodField(help_text="The translation in customer words; null when "
                                                                  "the field is not translated.")

    class Meta:
        model = FieldMapping
        fields = ("id", "stream", "target_field", "source_field", "value_map", "value_map_title", "default")
        read_only_fields = fields

    def get_value_map_title(self, mapping) -> str | None:
        return self.title(mapping, mapping.value_map) if mapping.value_map else None
