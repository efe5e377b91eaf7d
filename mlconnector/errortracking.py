"""Optional error tracking: Sentry when SENTRY_DSN is set, nothing at all when it is not (the default).

sentry-sdk is imported only when a DSN is configured, so a process without one loads none of it. Events carry
the tenant, integration and run ids the logs carry (mlconnector/logs.py) as tags, and are scrubbed by the same
redaction as logs and audit rows (`audit.redaction.redact`) in `before_send`: secret-looking keys masked (headers,
cookies, credentials), inline secrets in messages and exception values scrubbed. Local variables are not sent
(they hold HR and finance records), nor personal data of the signed-in user.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def before_send(event: dict, hint: dict | None = None) -> dict:
    from audit.redaction import redact
    from mlconnector.logs import log_ids

    scrubbed = redact(event)
    scrubbed.setdefault("tags", {}).update({k: str(v) for k, v in log_ids().items()})
    return scrubbed


def error_tracking_init(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> bool:
    """Called once from settings; True when Sentry was switched on."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, before_send=before_send,
                    traces_sample_rate=traces_sample_rate, send_default_pii=False, include_local_variables=False,
                    integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False)])
    return True
