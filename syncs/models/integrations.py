"""What an integration is: which flow runs from which source to which destination on what schedule, and the
customer's value and field mappings it writes through."""
from django.core.exceptions import ValidationError
from django.db import models
from django_celery_beat.models import PeriodicTask

from connections.models import Connection, Tenant


def flow_kind_validate(value: str) -> None:
    """A validator, not field choices: the registry is discovered, so a new flow needs no migration."""
    from syncs.flows import FLOWS

    if value not in FLOWS:
        raise ValidationError(f"Unknown flow kind {value!r}.")


class Integration(models.Model):
    """One source → destination sync for one tenant, run on its own schedule."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="integrations")
    name = models.CharField(max_length=200)
    flow_kind = models.CharField(max_length=40, validators=[flow_kind_validate])
    source = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="integrations_as_source")
    destination = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="integrations_as_destination")
    streams = models.JSONField(default=list, blank=True, help_text="Streams to sync; empty means all of the flow's.")
    every_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Run every N minutes…")
    cron = models.CharField(max_length=100, blank=True, help_text="…or on a crontab, e.g. '0 6 * * 1-5' (UTC).")
    enabled = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    # Owned by the schedules service (syncs/schedules.py); never edited directly.
    periodic_task = models.OneToOneField(PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="integration", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="integration_unique_name_per_tenant")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.every_minutes and self.cron:
            raise ValidationError("Choose either a run interval or a crontab, not both.")
        for role in ("source", "destination"):
            connection = getattr(self, role, None) if getattr(self, f"{role}_id") else None
            if connection is not None and self.tenant_id and connection.tenant_id != self.tenant_id:
                raise ValidationError({role: "The connection belongs to another tenant."})


class ValueMapping(models.Model):
    """One value translation, e.g. department 'Engineering' → cost center '200'."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="value_mappings")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="value_mappings")
    map_name = models.CharField(max_length=60, help_text="Which translation, e.g. 'department_to_cost_center'.")
    source_value = models.CharField(max_length=200)
    target_value = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["map_name", "source_value"]
        constraints = [models.UniqueConstraint(fields=["integration", "map_name", "source_value"],
                                               name="valuemapping_unique_source")]

    def __str__(self):
        return f"{self.map_name}: {self.source_value} → {self.target_value}"


class FieldMapping(models.Model):
    """A customer override of where one target field comes from (flows have defaults in code)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="field_mappings")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="field_mappings")
    stream = models.CharField(max_length=60)
    target_field = models.CharField(max_length=200, help_text="Dotted path in the record written.")
    source_field = models.CharField(max_length=200, blank=True, help_text="Dotted path in the source record.")
    value_map = models.CharField(max_length=60, blank=True, help_text="Translate through this value mapping.")
    default = models.CharField(max_length=200, blank=True, help_text="Used when the source field is empty.")

    class Meta:
        ordering = ["stream", "target_field"]
        constraints = [models.UniqueConstraint(fields=["integration", "stream", "target_field"],
                                               name="fieldmapping_unique_target")]

    def __str__(self):
        return f"{self.stream}.{self.target_field} ← {self.source_field or self.default!r}"
