"""Rendering a message and handing it to Django's e-mail backend and the tenant's webhook."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from mlconnector.fields import FieldDecryptionError
from notifications.message_parts import HELD_BACK, Message, admin_url
from notifications.models import Notification, NotificationSettings
from notifications.webhooks import webhook_deliver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(message: Message, *, tenant, suppressed: int = 0, window_minutes: int = 60) -> Rendered:
    held_back = ""
    if suppressed:
        singular, plural = HELD_BACK.get(message.kind, ("problem", "problems"))
        held_back = (f"{suppressed} more {singular if suppressed == 1 else plural} since the last e-mail "
                     f"(at most one e-mail per {window_minutes} minutes for each problem).")
    context = {
        "message": message, "tenant": tenant, "held_back": held_back,
        "settings_url": admin_url("notifications_notificationsettings_changelist"),
        "log_url": admin_url("notifications_notification_changelist"),
    }
    subject = f"[ml-connector] {tenant.name}: {message.subject}" + (f" (+{suppressed} more)" if suppressed else "")
    return Rendered(subject=" ".join(subject.split())[:300],
                    text=render_to_string("notifications/email/message.txt", context),
                    html=render_to_string("notifications/email/message.html", context))


def deliver(*, notification: Notification, message: Message, rendered: Rendered, prefs: NotificationSettings,
            recipients: list[str], suppressed: int) -> bool:
    """Send by e-mail and webhook; record the outcome on the notification. Never raises."""
    errors, delivered, webhook_result = [], False, ""
    to = recipients if prefs.email_enabled else []
    if to:
        try:
            email = EmailMultiAlternatives(rendered.subject, rendered.text, settings.DEFAULT_FROM_EMAIL, to)
            email.attach_alternative(rendered.html, "text/html")
            email.send()
            delivered = True
        except Exception as error:  # SMTP, DNS, TLS and socket errors have no common base class
            logger.warning("Notification %s: e-mail not sent: %s: %s", notification.pk, type(error).__name__, error)
            errors.append(f"e-mail not sent: {type(error).__name__}: {error}")
    elif prefs.email_enabled:
        errors.append("no owner or admin of the company has an e-mail address")
    if prefs.webhook_url:
        try:
            secret = prefs.webhook_secret
        except FieldDecryptionError:
            secret = ""
            errors.append("the webhook secret cannot be decrypted; enter it again in the notification settings")
        if secret:
            payload = {**message.payload(), "id": notification.pk, "tenant": notification.tenant.slug,
                       "integration_id": notification.integration_id, "run_id": notification.run_id,
                       "connection_id": notification.connection_id, "suppressed_since_last": suppressed,
                       "sent_at": notification.created_at}
            result = webhook_deliver(url=prefs.webhook_url, secret=secret, payload=payload,
                                     delivery_id=notification.pk, event=message.kind)
            webhook_result, delivered = result.summary, delivered or result.ok
    if not to and not prefs.webhook_url:
        errors.append("e-mail is switched off and no webhook is set")
    status = Notification.Status.SENT if delivered else Notification.Status.FAILED
    Notification.objects.filter(pk=notification.pk).update(
        status=status, recipients=", ".join(to), webhook_result=webhook_result[:300], error="\n".join(errors))
    return delivered
