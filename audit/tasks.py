import logging

from celery import shared_task

from audit.maintenance import audit_purge

logger = logging.getLogger(__name__)


@shared_task(name="audit.tasks.audit_purge_task")
def audit_purge_task() -> dict:
    purged = audit_purge()
    logger.info("Audit retention purge: %s", purged or "nothing expired")
    return purged
