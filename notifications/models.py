from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from connections.models import Connection, Tenant
from mlconnector.fields import EncryptedTextField
from syncs.models import Integration, SyncRun


def default_window_minutes() -> int:
    return settings.NOTIFICATION_WINDOW_MINUTES


class Kind(models.TextChoices):
    RUN_FAILED = "run_failed", "Sync run failed"
    RECORDS_FAILED = "records_failed", "Records failed"
    RECORDS_HELD = "records_held", "Records held: mapping missing"
    CONNECTION_FAILED = "connection_failed", "Connection test failed"
    DRIFT_FOUND = "drift_found", "Drift found: source and destination differ"
    JOURNAL_WAITING = "journal_waiting", "A journal awaits approval"
    RECOVERED = "recovered", "Back to normal"
    TEST = "test", "Test message"


class NotificationSettings(models.Model):
    """How one tenant wants to hear about problems. A tenant without a row gets the defaults."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="notification_settings")
    email_enabled = models.BooleanField(default=True, help_text="E-mail the company's owners and admins.")
    notify_records = models.BooleanField(
        default=True, help_text="Also tell about runs that held or failed single records, not only failed runs.")
    window_minutes = models.PositiveIntegerField(
        default=default_window_minutes, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="At most one message per integration and kind of problem in this many minutes; the ones "
                  "held back are counted in the next.")
    webhook_url = models.URLField(max_length=500, blank=True,
                                  help_text="Optional: also POST every message as signed JSON to this URL.")
    webhook_secret = EncryptedTextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notifications of {self.tenant}"


class NotificationThrottle(models.Model):
    """Rate-limit and failure-streak state of one integration (or connection) and kind of problem.

    Rows are locked while a worker decides whether to send, so the limit holds across the fleet.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    suppressed = models.PositiveIntegerField(default=0, help_text="Held back since the last message.")
    failing_since = models.DateTimeField(null=True, blank=True, help_text="Start of the current failure streak.")
    failures = models.PositiveIntegerField(default=0, help_text="Failures in the current streak.")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "kind"], condition=Q(integration__isnull=False),
                                    name="throttle_unique_integration_kind"),
            models.UniqueConstraint(fields=["connection", "kind"], condition=Q(connection__isnull=False),
                                    name="throttle_unique_connection_kind"),
            models.CheckConstraint(condition=Q(integration__isnull=True) | Q(connection__isnull=True),
                                   name="throttle_one_subject"),
        ]

    def __str__(self):
        return f"{self.kind} of {self.integration_id or self.connection_id}"


class Notification(models.Model):
    """Every message, sent or held back: the log owners read, and the evidence the limit works."""

    class Status(models.TextChoices):
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        SUPPRESSED = "suppressed", "Held back (rate limit)"
        FAILED = "failed", "Could not be delivered"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notifications")
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    subject = models.CharField(max_length=300)
    text = models.TextField(blank=True, help_text="The message as e-mailed (plain text).")
    suppressed_count = models.PositiveIntegerField(default=0, help_text="Earlier messages this one summarises.")
    recipients = models.TextField(blank=True)
    webhook_result = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self):
        return self.subject
