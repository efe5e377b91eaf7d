"""Fixtures for notification tests: a tenant admin beside the base actors, a Rippling → Visma integration
against the sandboxes, and runs whose on-commit notification tasks execute inline."""
import pytest

from connections.models import Membership
from mlconnector.celery import app
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import ValueMapping
from tests.factories import MembershipFactory

VISMA_DEPARTMENTS = ["IT", "HR", "SALES", "OPS", "FIN", "ADM"]


@pytest.fixture(autouse=True)
def eager_tasks():
    """Tasks queued with .delay() run inline, as a worker would run them."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def tenant_admin(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN, user__username="admin_a").user


@pytest.fixture
def people(owner, tenant_admin, member, outsider):
    """Everyone: owner and admin of tenant A (told), its viewer and tenant B's owner (not told)."""
    return {"owner": owner, "admin": tenant_admin, "member": member, "outsider": outsider}


def departments(rippling):
    return sorted(rippling.data["departments"].rows.values(), key=lambda d: d["id"])


def map_departments(integration, rippling, *, leave_out: int = 0):
    mapped = departments(rippling)[:len(departments(rippling)) - leave_out]
    for department, target in zip(mapped, VISMA_DEPARTMENTS):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                    source_value=department["id"], target_value=target)


@pytest.fixture
def run_and_notify(django_capture_on_commit_callbacks):
    """Run the integration once; what the engine queues on commit (the notification task) runs too."""

    def run(integration):
        with django_capture_on_commit_callbacks(execute=True):
            return sync_run_execute(run=sync_run_create(integration=integration))

    return run


def restore_api_key(rippling):
    """The Rippling admin creates a new key and it is pasted into the connection: here, the sandbox's
    keys are issued afresh (as its reset does), and the connection already holds that value."""
    from sandbox.vendors.rippling.contract import API_KEYS, COMPANY_ID

    for value, subject in API_KEYS.items():
        rippling.tokens.register(value, {**subject, "company_id": COMPANY_ID})
