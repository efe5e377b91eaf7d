"""What can be connected and synced: the vendor and flow registries, read-only."""
from __future__ import annotations

from rest_framework import serializers


class CredentialFieldOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    secret = serializers.BooleanField(help_text="Secret values are write-only; others are shown back.")
    help = serializers.CharField()
    required = serializers.BooleanField(help_text="False for optional ones, e.g. webhook secrets.")


class ConfigFieldOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    default = serializers.CharField()
    required = serializers.BooleanField()
    help = serializers.CharField()


class VendorOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    default_base_url = serializers.URLField()
    credential_fields = CredentialFieldOutput(many=True)
    config_fields = ConfigFieldOutput(many=True)


class FlowOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    source_kind = serializers.CharField()
    destination_kind = serializers.CharField()
    streams = serializers.ListField(child=serializers.CharField())
    default_every_minutes = serializers.IntegerField()
