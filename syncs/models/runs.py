"""A sync run and what runs keep between them: the run (status, counts, heartbeat, its error as columns), each
stream's cursor, and the lease that keeps an integration from running twice at once."""
from django.db import models

from connections.models import Tenant
from syncs.models.integrations import Integration


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
