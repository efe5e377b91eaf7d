"""Admin fixtures: a Rippling → Visma integration of tenant A against the sandboxes, after one real run.

Rippling's seeded departments are mapped three ways, so one run leaves every kind of record behind:
the first department goes to a real Visma department (its employees are created), the second to
one Visma does not have (Visma refuses its employees: failed), the third not at all (held).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from connections.models import Membership
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import PendingRecord, ValueMapping
from tests.factories import MembershipFactory

GHOST = "GHOST"  # a Visma department that does not exist


@pytest.fixture
def admin_user(tenant_a):
    """An admin (managing, not owner) of tenant A."""
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.ADMIN, user__username="admin").user


def departments(rippling) -> list[dict]:
    return sorted(rippling.data["departments"].rows.values(), key=lambda d: d["id"])


def workers_in(rippling, department_id: str) -> list[dict]:
    return [w for w in rippling.data["workers"].rows.values() if w.get("department_id") == department_id]


def visma_employees(visma) -> list[dict]:
    return list(visma.data.tables["employees"].ordered()[0])


@pytest.fixture
def synced(integration, rippling, visma):
    """One real run with created, failed and held records; returns what it left."""
    mapped, ghost, unmapped = departments(rippling)[:3]
    for department, target in ((mapped, "IT"), (ghost, GHOST)):
        ValueMapping.objects.create(tenant=integration.tenant, integration=integration, map_name=DEPARTMENT_MAP,
                                    source_value=department["id"], target_value=target)
    run = sync_run_execute(run=sync_run_create(integration=integration))
    assert workers_in(rippling, mapped["id"]) and workers_in(rippling, ghost["id"]) \
        and workers_in(rippling, unmapped["id"]), "the seed should spread workers over three departments"
    return SimpleNamespace(
        integration=integration, run=run, mapped=mapped, ghost=ghost, unmapped=unmapped,
        failed=list(PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.FAILED)),
        held=list(PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD)))


def fix_ghost_mapping(synced) -> None:
    """The customer corrects the mapping Visma refused (records are not released: they failed, not held)."""
    ValueMapping.objects.filter(integration=synced.integration, source_value=synced.ghost["id"]).update(
        target_value="HR")
