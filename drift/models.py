"""Drift reports: what differs right now between an integration's source and its destination.

A report is made on the worker (drift/services.py) from each stream's own comparison (the `drift_compare` and
`control_totals` hooks of syncs/flows/base.py); each difference is a `DriftItem` a person can fix (re-sync the
record through the engine) or release (accept the destination as it is).
"""
from django.conf import settings
from django.db import models
from django_celery_beat.models import PeriodicTask

from connections.models import Tenant
from mlconnector.fields import EncryptedJSONField
from syncs.models import VENDOR_ID_LENGTH, ErrorColumns, Integration, SyncRun


class DriftReport(ErrorColumns):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Comparing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped: a sync was running"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="drift_reports")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="drift_reports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    # Progress, written after every source page: the admin page shows it while the report runs.
    stream = models.CharField(max_length=60, blank=True, help_text="The stream being compared.")
    streams_done = models.PositiveSmallIntegerField(default=0)
    streams_total = models.PositiveSmallIntegerField(default=0)
    source_read = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    extra = models.PositiveIntegerField(default=0)
    differs = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text="Edited at the destination since our last write.")
    # [{"stream", "label", "group", "source", "destination"}]: counts only, no personal data.
    totals = models.JSONField(default=list, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["integration", "-queued_at"])]

    def __str__(self):
        return f"Drift report {self.pk} of {self.integration} ({self.status})"

    @property
    def found(self) -> int:
        return self.missing + self.extra + self.differs + self.changed

    @property
    def totals_off(self) -> list[dict]:
        return [t for t in self.totals if t["source"] != t["destination"]]


class DriftItem(models.Model):
    class Kind(models.TextChoices):
        MISSING = "missing", "Missing at the destination"
        EXTRA = "extra", "Extra at the destination"
        DIFFERS = "differs", "Fields differ"
        CHANGED = "changed", "Changed at the destination since our last write"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESYNCING = "resyncing", "Re-sync queued"
        RESYNCED = "resynced", "Re-synced"
        RELEASED = "released", "Released: the destination is accepted as it is"
        FAILED = "failed", "Re-sync failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="drift_items")
    report = models.ForeignKey(DriftReport, on_delete=models.CASCADE, related_name="items")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="drift_items")
    stream = models.CharField(max_length=60)
    source_id = models.CharField(max_length=VENDOR_ID_LENGTH, blank=True)
    target_id = models.CharField(max_length=VENDOR_ID_LENGTH, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The differing fields and both sides' values (HR/finance data: encrypted, like pending records).
    diffs = EncryptedJSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    payload = EncryptedJSONField(default=dict, blank=True, help_text="The source record, for a re-sync.")
    # Same kind, record and differences as an item released earlier: a release holds until something changes.
    fingerprint = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    fix_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    fixed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stream", "kind", "source_id", "target_id"]
        indexes = [models.Index(fields=["report", "state"])]

    def __str__(self):
        return f"{self.stream}:{self.source_id or self.target_id} {self.kind} ({self.state})"


class DriftSchedule(models.Model):
    """The integration's drift PeriodicTask (weekly by default), owned here and changed only by syncs/schedules.py."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, primary_key=True,
                                       related_name="drift_schedule")
    periodic_task = models.OneToOneField(PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="drift_schedule", editable=False)
