from django.core.exceptions import ValidationError
from django.conf import settings
from django.db import models
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from connections.models import Connection, Tenant
from mlconnector.fields import EncryptedJSONField, EncryptedTextField

# Vendor ids (Rippling uuids, Visma numbers, monday item ids) fit easily; a longer one is refused cleanly by
# the engine (quarantined under a hash of it) rather than failing the insert inside the quarantine itself.
VENDOR_ID_LENGTH = 255


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


ERROR_COLUMNS = ("error_class", "error_vendor", "error_status", "error_message", "error_hint")


class ErrorColumns(models.Model):
    """Why something failed, as data (syncs.errors.error_fields): the sentence for people is built from these."""

    error_class = models.CharField(max_length=60, blank=True)
    error_vendor = models.CharField(max_length=60, blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True, help_text="The vendor's own words, or what happened.")
    error_hint = models.TextField(blank=True, help_text="What to do about it.")

    class Meta:
        abstract = True

    @property
    def error_columns(self) -> dict:
        return {name: getattr(self, name) for name in ERROR_COLUMNS}


class SyncRun(ErrorColumns):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with held or failed records"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (already running)"
        # Its worker stopped sending heartbeats (killed, lost); the run is queued again and resumes from its cursor.
        ABANDONED = "abandoned", "Abandoned by its worker, resuming"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        WEBHOOK = "webhook", "Webhook"
        REPLAY = "replay", "Replay"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sync_runs")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    dry_run = models.BooleanField(default=False)
    # #1, #2, #3 within its integration (what customers see); the pk counts across every tenant.
    number = models.PositiveIntegerField(null=True, blank=True)
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    http_calls = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the worker running it (syncs.locks.run_heartbeat); a RUNNING run whose
    # heartbeat is older than SYNC_ABANDON_AFTER_SECONDS lost its worker and is resumed by syncs.tasks.runs_reap.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # 1 for the first delivery; each resumption after a dead worker is the next attempt of the same run.
    attempt = models.PositiveIntegerField(default=1)
    # Attempts in a row whose worker died before saving a page: a run that kills every worker it gets
    # (one page too big for memory, say) is given up after SYNC_MAX_STALLED_ATTEMPTS; one that progresses is not.
    stalls = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["integration", "-queued_at"])]
        constraints = [models.UniqueConstraint(fields=["integration", "number"], name="syncrun_unique_number")]

    def __str__(self):
        return f"Run #{self.number or self.pk} of {self.integration} ({self.get_status_display().lower()})"

    @property
    def error(self) -> str:
        """The error for people: what happened, then what to do. Built from the columns, never stored."""
        from syncs.errors import error_sentence

        return error_sentence(self.error_columns)


class Cursor(models.Model):
    """Where a stream's next fetch starts; checkpointed after every page."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=60)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "stream"], name="cursor_unique_stream")]

    def __str__(self):
        return f"{self.integration_id}/{self.stream}: {self.value}"


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


class IntegrationLock(models.Model):
    """A lease so one integration never runs twice at once, across every worker.

    A database lease (not a Redis lock) because it works the same on the embedded default
    (SQLite, no Redis) and on PostgreSQL; a short TTL, renewed with the run's heartbeat, frees it
    soon after a worker dies.
    """

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, primary_key=True,
                                       related_name="lock")
    # The run holding it: a redelivered task of the same run takes its own lease over instead of skipping.
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Unique per acquisition, so a process whose lease was taken over (even by its own run) notices.
    owner = models.CharField(max_length=64)
    expires_at = models.DateTimeField()


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
