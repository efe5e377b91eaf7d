"""What became of each record: the source id → target id map, the write intents recorded before every
destination call, the records held, failed or quarantined, and the journals waiting for a second person's
approval."""
from django.conf import settings
from django.db import models

from connections.models import Tenant
from mlconnector.fields import EncryptedJSONField
from syncs.models.integrations import Integration
from syncs.models.runs import ErrorColumns, SyncRun

# Vendor ids (Rippling uuids, Visma numbers, monday item ids) fit easily; a longer one is refused cleanly by
# the engine (quarantined under a hash of it) rather than failing the insert inside the quarantine itself.
VENDOR_ID_LENGTH = 255


class IdMap(models.Model):
    """Source id → target id, with the hash of what was last written: every write is an upsert."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="id_maps")
    stream = models.CharField(max_length=60)
    source_id = models.CharField(max_length=VENDOR_ID_LENGTH)
    target_id = models.CharField(max_length=VENDOR_ID_LENGTH)
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "stream", "source_id"],
                                               name="idmap_unique_source")]
        indexes = [models.Index(fields=["integration", "stream", "target_id"])]

    def __str__(self):
        return f"{self.stream}:{self.source_id} → {self.target_id}"


class PendingRecord(ErrorColumns):
    """A record that was not written: held for a missing mapping, failed, or quarantined as bad input.

    The source payload is kept (encrypted: it is HR/finance data) so it can be released or
    replayed without re-reading the source, whose cursor has moved on.
    """

    class Status(models.TextChoices):
        HELD = "held", "Held: mapping missing"
        FAILED = "failed", "Failed at the destination"
        QUARANTINED = "quarantined", "Quarantined: bad input"
        RESOLVED = "resolved", "Resolved"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="pending_records")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="pending_records")
    stream = models.CharField(max_length=60)
    source_id = models.CharField(max_length=VENDOR_ID_LENGTH)
    status = models.CharField(max_length=12, choices=Status.choices)
    missing_key = models.CharField(max_length=300, blank=True, db_index=True,
                                   help_text="map_name:source_value of the missing mapping.")
    reason = models.TextField(blank=True)  # for people; a destination's refusal is also in the error columns
    payload = EncryptedJSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    last_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["integration", "stream", "source_id"],
                                               name="pendingrecord_unique_source")]
        indexes = [models.Index(fields=["integration", "status"])]

    def __str__(self):
        return f"{self.stream}:{self.source_id} ({self.status})"


class WriteIntent(models.Model):
    """A destination write, recorded before it is sent (saleor's EventDelivery): pending → sent →
    confirmed | failed | held.

    The engine records it before any destination call, in one transaction per page that already marks it
    `sent` when its call is about to go out (`pending` while it is not sent), and settles it in the page's
    closing transaction, together with the id map, the pending record and the audit row it implies. A `sent` intent found
    later has an unknown outcome: it is reconciled (looked up by its key at the destination) before
    anything is written again, or held for a person where the destination cannot be searched.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending: not sent yet"
        SENT = "sent", "Sent: outcome not known yet"
        CONFIRMED = "confirmed", "Confirmed by the destination"
        FAILED = "failed", "Refused by the destination (not applied)"
        HELD = "held", "Held: outcome unknown and the destination cannot be searched"

    UNSETTLED = (State.PENDING, State.SENT)

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="write_intents")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="write_intents")
    stream = models.CharField(max_length=60)
    source_id = models.CharField(max_length=VENDOR_ID_LENGTH)
    # sha256 of integration, stream, source id, the content written and the content it replaces: the same
    # write planned again (a resumed page, a replay) finds its intent instead of making a second one.
    key = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64)
    payload = EncryptedJSONField(default=dict, blank=True, help_text="The mapped record to write.")
    target_id = models.CharField(max_length=VENDOR_ID_LENGTH, blank=True)
    batch = models.CharField(max_length=64, blank=True, help_text="Batch id of the call that carried it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error_class = models.CharField(max_length=100, blank=True)
    error_status = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["integration", "stream", "source_id", "state"]),
                   models.Index(fields=["integration", "state"])]

    def __str__(self):
        return f"{self.stream}:{self.source_id} {self.state}"


class JournalApproval(models.Model):
    """A journal an integration with the approval gate may post only once a second person approved it.

    One row per version of a pay run (source id + content hash): a corrected pay run asks again. The
    journal is kept as it would be posted, so the approval page shows exactly that (syncs/approvals.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="journal_approvals")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="journal_approvals")
    stream = models.CharField(max_length=60)
    source_id = models.CharField(max_length=255)
    content_hash = models.CharField(max_length=64)
    journal = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    # When the approvers were e-mailed that it waits (notifications.services.journal_waiting_notify): once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["integration", "stream", "source_id", "content_hash"],
                                               name="journalapproval_unique_version")]

    def __str__(self):
        return f"{self.source_id} ({self.get_status_display()})"
