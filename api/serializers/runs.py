"""Sync runs: what one run (scheduled, manual, webhook or replay) read, wrote, held and failed."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import IdField
from syncs.models import SyncRun


class RunFilter(serializers.Serializer):
    integration = IdField(required=False, source="integration_id")
    status = serializers.ChoiceField(choices=SyncRun.Status.choices, required=False)
    trigger = serializers.ChoiceField(choices=SyncRun.Trigger.choices, required=False)


class RunOutput(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="integration_id")
    number = serializers.IntegerField(read_only=True, allow_null=True, help_text="The run's number within its integration (#1, #2…).")

    class Meta:
        model = SyncRun
        fields = ("id", "number", "integration", "status", "trigger", "dry_run", "read", "created", "updated",
                  "unchanged", "held", "failed", "http_calls", "error", "queued_at", "started_at", "finished_at")
        read_only_fields = fields


class OutcomeCountsOutput(serializers.Serializer):
    ok = serializers.IntegerField()
    held = serializers.IntegerField()
    failed = serializers.IntegerField()
    dry_run = serializers.IntegerField()


class RunDetailOutput(RunOutput):
    outcomes = serializers.SerializerMethodField(help_text="Audit records of this run per outcome.")

    class Meta(RunOutput.Meta):
        fields = RunOutput.Meta.fields + ("outcomes",)
        read_only_fields = fields

    @extend_schema_field(OutcomeCountsOutput)
    def get_outcomes(self, run) -> dict[str, int]:
        return self.context["outcomes"]
