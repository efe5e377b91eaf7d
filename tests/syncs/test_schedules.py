import json

import pytest
from django_celery_beat.models import PeriodicTask

from syncs.schedules import RUN_TASK
from syncs.services import IntegrationError, integration_create, integration_delete, integration_update
from tests.factories import ConnectionFactory


@pytest.fixture
def connections(tenant_a):
    return (ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling"),
            ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma"))


def make(tenant, connections, **kwargs):
    source, destination = connections
    return integration_create(tenant=tenant, name="HR sync", flow_kind="rippling_visma", source=source,
                              destination=destination, **kwargs)


def test_it_creates_one_periodic_task_per_integration(tenant_a, connections):
    integration = make(tenant_a, connections, every_minutes=10, enabled=True)

    task = PeriodicTask.objects.get(pk=integration.periodic_task_id)
    assert task.task == RUN_TASK
    assert json.loads(task.args) == [integration.pk]
    assert task.interval.every == 10 and task.enabled


def test_it_changes_the_task_when_the_schedule_changes(tenant_a, connections):
    integration = make(tenant_a, connections, every_minutes=10, enabled=True)

    integration_update(integration=integration, every_minutes=None, cron="0 6 * * 1-5", enabled=False)

    task = PeriodicTask.objects.get(pk=integration.periodic_task_id)
    assert PeriodicTask.objects.filter(task=RUN_TASK).count() == 1
    assert task.interval is None
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "6", "1-5")
    assert not task.enabled


def test_it_removes_the_task_with_the_schedule_or_the_integration(tenant_a, connections):
    integration = make(tenant_a, connections, every_minutes=10)
    integration_update(integration=integration, every_minutes=None)
    assert not PeriodicTask.objects.filter(task=RUN_TASK).exists()

    integration_update(integration=integration, every_minutes=5)
    assert PeriodicTask.objects.filter(task=RUN_TASK).count() == 1
    integration_delete(integration=integration)
    assert not PeriodicTask.objects.filter(task=RUN_TASK).exists()


def test_it_uses_the_flow_default_interval(tenant_a, connections):
    integration = make(tenant_a, connections)

    assert integration.periodic_task.interval.every == 15


def test_it_refuses_another_tenants_connection(tenant_a, tenant_b, connections):
    foreign = ConnectionFactory(tenant=tenant_b, kind="visma", name="Foreign Visma")

    with pytest.raises(IntegrationError, match="another tenant"):
        make(tenant_a, (connections[0], foreign))
    assert not PeriodicTask.objects.filter(task=RUN_TASK).exists()


def test_it_refuses_the_wrong_vendor(tenant_a, connections):
    with pytest.raises(IntegrationError, match="needs a rippling source"):
        make(tenant_a, (connections[1], connections[1]))
