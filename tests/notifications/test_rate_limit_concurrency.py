"""The limit holds with concurrent workers: many failures told at the same moment send one message."""
import threading

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.utils import timezone

from notifications.models import Notification, NotificationThrottle
from notifications.services import run_outcome_notify
from syncs.models import SyncRun
from syncs.services import integration_create
from tests.factories import ConnectionFactory

WORKERS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_send_one_message(tenant_a, owner):
    integration = integration_create(
        tenant=tenant_a, name="HR to ERP", flow_kind="rippling_visma",
        source=ConnectionFactory(tenant=tenant_a, kind="rippling", credentials={"api_key": "k"}),
        destination=ConnectionFactory(tenant=tenant_a, kind="visma"))
    runs = [SyncRun.objects.create(tenant=tenant_a, integration=integration, status=SyncRun.Status.FAILED,
                                   error_class="VendorAuthError", error_vendor="Rippling", error_status=401,
                                   error_message="Invalid token.", finished_at=timezone.now())
            for _ in range(WORKERS)]
    start, errors = threading.Barrier(WORKERS), []

    def worker(run):
        try:
            start.wait(10)
            run_outcome_notify(run=SyncRun.objects.select_related("integration__tenant").get(pk=run.pk))
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    statuses = sorted(Notification.objects.values_list("status", flat=True))
    assert statuses == ["sent"] + ["suppressed"] * (WORKERS - 1)
    assert len(mail.outbox) == 1
    throttle = NotificationThrottle.objects.get()
    assert (throttle.suppressed, throttle.failures) == (WORKERS - 1, WORKERS)
