"""The events vendors send to a connection's intake URL, stored (encrypted) and deduped before they are
processed (docs/inbound-events.md)."""
from django.db import models
from django.utils import timezone

from connections.models import Connection, Tenant
from mlconnector.fields import EncryptedJSONField, EncryptedTextField
from syncs.models.runs import SyncRun


class InboundEvent(models.Model):
    """One event a vendor sent to a connection's intake URL, kept (encrypted) until it is processed.

    Deduped on the vendor's own delivery id: a redelivery of the same notification hits the unique
    constraint and is acknowledged without a second row or a second run.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, waiting to be processed"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored: nothing consumes this event"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="inbound_events")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="inbound_events")
    event_id = models.CharField(max_length=200, help_text="The vendor's delivery id (dedupe key).")
    type = models.CharField(max_length=100)
    source_ids = models.JSONField(default=list, blank=True, help_text="Records the event names, to re-fetch.")
    payload = EncryptedJSONField(default=dict, blank=True)  # the parsed event
    raw_body = EncryptedTextField(blank=True)  # as received, for a re-parse or a support case
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    # Structured like a run's error (class, vendor, status, vendor message, hint): read, never parsed.
    error_class = models.CharField(max_length=100, blank=True)
    error_vendor = models.CharField(max_length=60, blank=True)
    error_status = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_hint = models.TextField(blank=True)
    runs = models.ManyToManyField(SyncRun, blank=True, related_name="inbound_events")
    received_at = models.DateTimeField(auto_now_add=True)
    # When it was last (re)queued: a replay runs again even where an earlier processing succeeded.
    queued_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["connection", "event_id"], name="inboundevent_unique_delivery")]
        indexes = [models.Index(fields=["tenant", "status", "-received_at"])]

    def __str__(self):
        return f"{self.type} {self.event_id[:24]} ({self.status})"
