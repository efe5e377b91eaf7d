import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlconnector.settings")

app = Celery("mlconnector")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Workers and beat log as the web does (settings.LOGGING: JSON or plain, ids, secrets masked), instead of
    Celery replacing the root logger's handlers with its own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
