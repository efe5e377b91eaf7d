"""Records not written (held, failed, quarantined) and replaying them. Payloads are never shown."""
from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import IdField
from syncs.models import PendingRecord


class PendingRecordFilter(serializers.Serializer):
    integration = IdField(required=False, source="integration_id")
    status = serializers.ChoiceField(choices=PendingRecord.Status.choices, required=False,
                                     help_text="Leave out for every unresolved record (held, failed, quarantined).")
    stream = serializers.CharField(max_length=60, required=False)
    source_id = serializers.CharField(max_length=200, required=False)
    missing_key = serializers.CharField(max_length=300, required=False)
    run = IdField(required=False, source="run_id", help_text="The run that last touched the record.")


class PendingRecordOutput(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="integration_id")
    last_run = serializers.IntegerField(source="last_run_id", allow_null=True)

    class Meta:
        model = PendingRecord
        fields = ("id", "integration", "stream", "source_id", "status", "reason", "missing_key", "attempts",
                  "last_run", "created_at", "updated_at")
        read_only_fields = fields


class ReplayInput(serializers.Serializer):
    pending_ids = serializers.ListField(child=IdField(), required=False, min_length=1, max_length=1000,
                                        help_text="Unresolved records of this integration to replay…")
    run_id = IdField(required=False, help_text="…or every unresolved record a run of this integration left.")

    def validate(self, attrs):
        if ("pending_ids" in attrs) == ("run_id" in attrs):
            raise serializers.ValidationError("Give either pending_ids or run_id.")
        return attrs
