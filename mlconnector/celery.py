import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlconnector.settings")

app = Celery("mlconnector")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
