import secrets

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from mlconnector.fields import EncryptedJSONField
from mlconnector.timezones import DEFAULT_TIME_ZONE, time_zone_validate


class Tenant(models.Model):
    """A customer company. Every piece of customer data hangs off one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)
    audit_retention_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1)],
        help_text="Audit rows and resolved pending records older than this are deleted by the nightly purge.")
    time_zone = models.CharField(max_length=60, default=DEFAULT_TIME_ZONE, validators=[time_zone_validate],
                                 help_text="Times in the admin are shown in this zone, e.g. Europe/Oslo.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        VIEWER = "viewer", "Viewer"

    MANAGING_ROLES = (Role.OWNER, Role.ADMIN)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]

    def __str__(self):
        return f"{self.user} · {self.tenant} ({self.role})"


def webhook_token_new() -> str:
    """The secret part of a connection's intake URL (/hooks/<token>/): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Connection(models.Model):
    """Credentials and settings for one vendor account of one tenant."""

    class Status(models.TextChoices):
        UNTESTED = "untested", "Not tested yet"
        OK = "ok", "Working"
        FAILED = "failed", "Failing"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="connections")
    kind = models.CharField(max_length=30, help_text="Vendor, from the vendor registry.")
    name = models.CharField(max_length=200)
    base_url = models.URLField(max_length=500, help_text="API base URL; point it at a sandbox to test.")
    credentials = EncryptedJSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="Non-secret settings (token URL, company id…).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNTESTED)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Changed only through connection_webhook_token_rotate: a leaked intake URL stops working at once.
    webhook_token = models.CharField(max_length=64, unique=True, default=webhook_token_new, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="connection_unique_name_per_tenant")]

    def __str__(self):
        return f"{self.name} ({self.kind})"


HOST_PATTERN = RegexValidator(
    r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
    "A lower-case host name without scheme, port or path, e.g. erp.example.com or *.example.com.")


class AllowedHost(models.Model):
    """A host an operator lets one tenant's connections call beyond the vendor's own domains (a proxy,
    a sovereign cloud, a regional host). Set on the operators' site only: tenants cannot widen it.
    The address check still applies: an allowlisted name must resolve to public addresses."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="allowed_hosts")
    host = models.CharField(max_length=253, help_text="A host name, or *.example.com for its subdomains.",
                            validators=[HOST_PATTERN])
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "host"]
        constraints = [models.UniqueConstraint(fields=["tenant", "host"], name="allowed_host_unique_per_tenant")]

    def __str__(self):
        return f"{self.host} for {self.tenant}"
