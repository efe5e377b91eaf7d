from django.conf import settings
from django.db import models


class ChangeLogEntry(models.Model):
    """One change to a tenant's configuration (a connection, integration or mapping): who, when, what.

    `changes` is {field: [before, after]}; secrets appear only as a mask saying whether they were set or
    changed. Written by the services in the same transaction as the change; never edited."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Changed"
        DELETED = "deleted", "Deleted"

    tenant = models.ForeignKey("connections.Tenant", on_delete=models.CASCADE, related_name="change_log")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # Kept as text too: the row must still say who it was after the user is deleted.
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "object_type", "object_id"], name="changelog_object_idx")]
        verbose_name = "change"
        verbose_name_plural = "change log"

    def __str__(self):
        return f"{self.get_action_display()} {self.object_type} {self.object_repr}"
