"""A production deployment whose failure e-mails would end up in files nobody reads gets a warning."""
from django.conf import settings
from django.core import checks

NOT_DELIVERED = ("filebased", "console", "locmem", "dummy")


@checks.register(checks.Tags.compatibility)
def email_is_delivered(app_configs, **kwargs):
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if getattr(settings, "PRODUCTION", False) and backend in NOT_DELIVERED:
        return [checks.Warning(
            f"Failure notifications are not e-mailed: EMAIL_BACKEND is the {backend} backend.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) or EMAIL_HOST and friends.",
            id="notifications.W001")]
    return []
