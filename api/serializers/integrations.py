"""Integrations: one source → destination sync of a tenant, with its schedule and health."""
from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import IdField, JSONObjectField, cron_validator
from connections.selectors import connection_list
from syncs.flows import flow_choices, get_flow
from syncs.health_selectors import health_badge
from syncs.models import Integration, SyncRun
from syncs.selectors import integration_name_taken

MAX_EVERY_MINUTES = 7 * 24 * 60  # longer intervals read better as a crontab


class TenantConnectionField(serializers.PrimaryKeyRelatedField):
    """A connection id, looked up among the request's tenant's connections only."""

    default_error_messages = {"does_not_exist": "No connection {pk_value} in this tenant."}

    def __init__(self, **kwargs):
        super().__init__(pk_field=IdField(), **kwargs)

    def get_queryset(self):
        return connection_list(tenant=self.context["tenant"])


def _check_streams(flow_kind: str, streams: list[str]) -> list[str]:
    known = get_flow(flow_kind).streams
    unknown = [s for s in streams if s not in known]
    if unknown:
        raise serializers.ValidationError({"streams": (
            f"{flow_kind} has no stream(s) {', '.join(unknown)}; it has {', '.join(known)}.")})
    return list(dict.fromkeys(streams))


def _check_schedule(every_minutes: int | None, cron: str) -> None:
    if every_minutes and cron:
        raise serializers.ValidationError({"cron": "Choose either every_minutes or a crontab, not both."})


class IntegrationCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    flow_kind = serializers.ChoiceField(choices=flow_choices(), help_text="See GET /api/v1/flows.")
    source = TenantConnectionField(help_text="Id of a connection of the flow's source kind.")
    destination = TenantConnectionField(help_text="Id of a connection of the flow's destination kind.")
    streams = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list,
                                    max_length=50, help_text="Streams to sync; empty means all of the flow's.")
    every_minutes = serializers.IntegerField(min_value=1, max_value=MAX_EVERY_MINUTES, required=False,
                                             allow_null=True, default=None,
                                             help_text="Run every N minutes; leave out (and cron) for the flow's default.")
    cron = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 validators=[cron_validator], help_text="…or a crontab (UTC), e.g. '0 6 * * 1-5'.")
    enabled = serializers.BooleanField(required=False, default=False)
    options = JSONObjectField(required=False, default=dict)

    def validate_name(self, value):
        if integration_name_taken(tenant=self.context["tenant"], name=value):
            raise serializers.ValidationError("An integration with this name exists already.")
        return value

    def validate(self, attrs):
        attrs["streams"] = _check_streams(attrs["flow_kind"], attrs["streams"])
        _check_schedule(attrs["every_minutes"], attrs["cron"])
        return attrs


class IntegrationUpdateInput(serializers.Serializer):
    """Every field optional; the flow kind cannot change (create another integration instead)."""

    name = serializers.CharField(max_length=200, required=False)
    source = TenantConnectionField(required=False)
    destination = TenantConnectionField(required=False)
    streams = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=50)
    every_minutes = serializers.IntegerField(min_value=1, max_value=MAX_EVERY_MINUTES, required=False,
                                             allow_null=True)
    cron = serializers.CharField(max_length=100, required=False, allow_blank=True, validators=[cron_validator])
    enabled = serializers.BooleanField(required=False)
    options = JSONObjectField(required=False)

    def validate_name(self, value):
        integration = self.context["integration"]
        if integration_name_taken(tenant=integration.tenant, name=value, exclude_pk=integration.pk):
            raise serializers.ValidationError("An integration with this name exists already.")
        return value

    def validate(self, attrs):
        integration = self.context["integration"]
        if "streams" in attrs:
            attrs["streams"] = _check_streams(integration.flow_kind, attrs["streams"])
        _check_schedule(attrs.get("every_minutes", integration.every_minutes), attrs.get("cron", integration.cron))
        return attrs


class ConnectionRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class IntegrationHealthOutput(serializers.Serializer):
    last_run_id = serializers.IntegerField(allow_null=True)
    last_run_status = serializers.ChoiceField(choices=SyncRun.Status.choices, allow_null=True)
    last_run_queued_at = serializers.DateTimeField(allow_null=True)
    last_run_finished_at = serializers.DateTimeField(allow_null=True)
    held = serializers.IntegerField(source="held_count", help_text="Records waiting for a value mapping.")
    failed = serializers.IntegerField(source="failed_count", help_text="Records failed or quarantined.")
    badge = serializers.SerializerMethodField(help_text="broken, stuck, failing, attention, paused, never_run, "
                                                        "running or healthy (the admin's badge; docs/health.md).")
    label = serializers.SerializerMethodField(help_text="The badge in words.")
    problems = serializers.SerializerMethodField(help_text="Every problem, most urgent first: kind and text.")

    def _health(self, obj):
        if not hasattr(obj, "_health"):
            obj._health = health_badge(obj)
        return obj._health

    def get_badge(self, obj) -> str:
        return self._health(obj).badge

    def get_label(self, obj) -> str:
        return self._health(obj).label

    def get_problems(self, obj) -> list[dict[str, str]]:
        return [{"kind": p.kind, "text": p.text} for p in self._health(obj).problems]


class IntegrationOutput(serializers.ModelSerializer):
    """From `syncs.selectors.integration_list`/`integration_get`, which annotate the health figures."""

    # A plain string, not the registry's enum: an integration outlives a flow kind that is retired.
    flow_kind = serializers.CharField(help_text="See GET /api/v1/flows.")
    flow_label = serializers.SerializerMethodField()
    source = ConnectionRefOutput()
    destination = ConnectionRefOutput()
    options = serializers.DictField()
    health = IntegrationHealthOutput(source="*")

    class Meta:
        model = Integration
        fields = ("id", "name", "flow_kind", "flow_label", "source", "destination", "streams", "every_minutes",
                  "cron", "enabled", "options", "health", "created_at", "updated_at")
        read_only_fields = fields

    def get_flow_label(self, integration) -> str:
        try:
            return get_flow(integration.flow_kind).label
        except LookupError:
            return integration.flow_kind


class RunNowInput(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text="Map and audit every record but write nothing.")
