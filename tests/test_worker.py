"""A real Celery worker process picks tasks up from the configured broker (Redis in CI)."""
import pytest
from django.db import transaction

from connections.models import Connection
from connections.tasks import connection_test_task
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_process_runs_a_connection_test(make_sandbox_connection, tenant_a):
    connection = make_sandbox_connection("visma", tenant=tenant_a)

    with celery_worker() as queue:
        with transaction.atomic():
            transaction.on_commit(lambda: connection_test_task.apply_async(args=[connection.pk], queue=queue))

        def tested():
            connection.refresh_from_db()
            return connection.status != Connection.Status.UNTESTED

        wait_for(tested, timeout=30, message="the worker to test the connection")

    assert connection.status == Connection.Status.OK, connection.last_error
    assert connection.last_tested_at is not None
