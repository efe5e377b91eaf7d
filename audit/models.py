from django.conf import settings
from django.db import models

from connections.models import Tenant


class AuditRecord(models.Model):
    """What happened to one record in one run. Append-only: the database refuses UPDATE and DELETE."""

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        SKIP = "skip", "Skip (unchanged)"
        HOLD = "hold", "Hold (mapping missing)"
        RELEASE = "release", "Release (mapping now exists)"
        FAIL = "fail", "Fail"
        QUARANTINE = "quarantine", "Quarantine (bad input)"
        REPLAY = "replay", "Replay"
        CONNECTION_TEST = "connection_test", "Connection test"

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        HELD = "held", "Held"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry_run", "Dry run (not written)"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="audit_records")
    # DO_NOTHING without a database constraint: deleting an integration or run must not
    # rewrite history (the append-only trigger would refuse it anyway); the id stays as a reference.
    integration = models.ForeignKey("syncs.Integration", null=True, blank=True, on_delete=models.DO_NOTHING,
                                    related_name="audit_records", db_constraint=False)
    run = models.ForeignKey("syncs.SyncRun", null=True, blank=True, on_delete=models.DO_NOTHING,
                            related_name="audit_records", db_constraint=False)
    stream = models.CharField(max_length=60, blank=True)
    source_ref = models.CharField(max_length=200, blank=True, db_index=True)
    target_ref = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    mapping_used = models.JSONField(default=dict, blank=True)
    payload_digest = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="Redacted copy of what was read/written.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "integration", "-created_at"]),
            models.Index(fields=["run", "outcome"]),
            models.Index(fields=["integration", "stream", "source_ref"]),
        ]

    def __str__(self):
        return f"{self.action} {self.stream}:{self.source_ref} → {self.outcome}"


class AuditWriteGrant(models.Model):
    """The one sanctioned way past the append-only trigger: a row that lives only inside the transaction of a
    retention purge (DELETE of expired rows) or a person's erasure (UPDATE of payloads, bookkeeping unchanged).

    Inserted and deleted again before commit (audit/maintenance.py), so no other transaction ever sees one.
    """

    class Purpose(models.TextChoices):
        PURGE = "purge", "Retention purge"
        ERASE = "erase", "Erasure of a person"

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    opened_at = models.DateTimeField(auto_now_add=True)


class ErasureLog(models.Model):
    """That a person's personal data was erased: who asked, when, which person (by a key that is itself not
    personal: the vendor's id, or a pseudonym of the e-mail address) and how many rows were rewritten."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="erasures")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_by_name = models.CharField(max_length=150, help_text="Kept if the user is deleted later.")
    person_key = models.CharField(max_length=300)
    source_refs = models.JSONField(default=list, blank=True, help_text="The vendor ids of the person.")
    audit_rows = models.PositiveIntegerField(default=0)
    pending_rows = models.PositiveIntegerField(default=0)
    event_rows = models.PositiveIntegerField(default=0, help_text="Inbound webhook events rewritten.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"erasure of {self.person_key} ({self.created_at:%Y-%m-%d})"
