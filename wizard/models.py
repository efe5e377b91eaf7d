"""A setup wizard in progress.

Why a row and not the session: the mapping step and the dry-run preview need a real Integration
(value mappings, runs and audit rows all hang off one), so from the mapping step on the draft owns a
disabled Integration; the draft row only remembers what comes before it (flow, connections) and how
far the user got. A row is tenant-scoped like everything else, and resumable from any browser by any
owner or admin of the tenant; a session would be neither.
"""
from django.conf import settings
from django.db import models

from connections.models import Connection, Tenant
from syncs.models import Integration


class IntegrationDraft(models.Model):
    class Step(models.TextChoices):
        SOURCE = "source", "Source connection"
        DESTINATION = "destination", "Destination connection"
        STREAMS = "streams", "Streams"
        MAPPINGS = "mappings", "Mappings"
        SCHEDULE = "schedule", "Schedule"
        PREVIEW = "preview", "Dry run"
        ENABLE = "enable", "Enable"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="integration_drafts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    name = models.CharField(max_length=200, help_text="Name of the integration being set up.")
    flow_kind = models.CharField(max_length=40)
    source = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    destination = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Created (disabled) once both connections pass their test; enabled by the last step.
    integration = models.OneToOneField(Integration, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="draft")
    step = models.CharField(max_length=12, choices=Step.choices, default=Step.SOURCE,
                            help_text="The furthest step reached.")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return self.name
