"""Shared fixtures: the three actors, and the vendor sandboxes served over real HTTP."""
import pytest
from django.core.cache import cache

from connections.models import Membership
from sandbox.demo import sandbox_connection_fields
from sandbox.server import start_in_thread
from tests.factories import ConnectionFactory, MembershipFactory, TenantFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Cached vendor tokens from one test must not leak into the next.
    cache.clear()
    yield


@pytest.fixture(scope="session")
def sandbox_server():
    running = start_in_thread()
    yield running
    running.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The running sandboxes, reset to their seeded state for this test."""
    sandbox_server.app.reset()
    return sandbox_server


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Tenant A", slug="tenant-a")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Tenant B", slug="tenant-b")


@pytest.fixture
def owner(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.OWNER, user__username="owner").user


@pytest.fixture
def member(tenant_a):
    return MembershipFactory(tenant=tenant_a, role=Membership.Role.VIEWER, user__username="member").user


@pytest.fixture
def outsider(tenant_b):
    return MembershipFactory(tenant=tenant_b, role=Membership.Role.OWNER, user__username="outsider").user


@pytest.fixture
def make_sandbox_connection(sandbox, db):
    """Create a Connection of a vendor kind pointed at the running sandbox."""

    def make(kind, tenant=None, **overrides):
        fields = sandbox_connection_fields(kind, sandbox.url)
        fields.update(overrides)
        if tenant is not None:
            fields["tenant"] = tenant
        return ConnectionFactory(**fields)

    return make
