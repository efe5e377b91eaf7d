"""The audit trail, read-only. Record payloads are left out: even redacted they hold personal data."""
from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import IdField
from audit.models import AuditRecord


class AuditRecordFilter(serializers.Serializer):
    integration = IdField(required=False, source="integration_id")
    run = IdField(required=False, source="run_id")
    stream = serializers.CharField(max_length=60, required=False)
    outcome = serializers.ChoiceField(choices=AuditRecord.Outcome.choices, required=False)
    action = serializers.ChoiceField(choices=AuditRecord.Action.choices, required=False)
    source_ref = serializers.CharField(max_length=200, required=False)


class AuditRecordOutput(serializers.ModelSerializer):
    # Plain ids: audit rows outlive the integrations and runs they name.
    integration = serializers.IntegerField(source="integration_id", allow_null=True)
    run = serializers.IntegerField(source="run_id", allow_null=True)
    mapping_used = serializers.DictField()

    class Meta:
        model = AuditRecord
        fields = ("id", "integration", "run", "stream", "source_ref", "target_ref", "action", "outcome", "reason",
                  "mapping_used", "payload_digest", "created_at")
        read_only_fields = fields
