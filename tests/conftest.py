"""Shared fixtures: the three actors, and the vendor sandboxes served over real HTTP."""
import pytest

from connections.models import Membership
from connections.vendors.monday.pacing import pacers_forget
from demo.setup import sandbox_connection_fields
from sandbox.server import start_in_thread
from tests.factories import ConnectionFactory, MembershipFactory, TenantFactory
from tests.parallel import WORKER, cache_clear


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # Under `make test`'s pytest-xdist workers a file runs whole on one worker, and files are handed out in
    # collection order: the ones that start processes (up to two minutes each) go first, so that none of them
    # starts last and ends the run alone. A serial run keeps pytest-django's order.
    if WORKER:
        items.sort(key=lambda item: not (item.get_closest_marker("worker") or item.get_closest_marker("browser")))


@pytest.fixture(autouse=True)
def _clear_cache():
    # Cached vendor tokens, and what a client learnt of a vendor's budget, must not leak into the next test.
    cache_clear()
    pacers_forget()
    yield


@pytest.fixture(autouse=True)
def _joins_allowed():
    # The test process is never a Celery worker, so waiting on a result (`apply(...).get()`) is allowed. Celery
    # keeps "a join would block" in a process-wide flag that its worker/pool machinery sets when it is built in a
    # process; under pytest-xdist one process runs many files, and once the flag was left set every later
    # `.get()` in that process raised "Never call result.get() within a task!" (seen in CI on test_poison_pages).
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _one_queue(settings):
    # Test workers consume one private queue (tests/support/worker.py), so what a test queues stays on it;
    # the per-vendor routing is tested where it is switched back on (tests/ops/).
    settings.SYNC_VENDOR_QUEUES = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Django's default PBKDF2 costs ~0.6 s per user here and most tests create several users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_alone(django_db_setup, django_db_blocker):
    """Before pytest-django drops the test database: end the sessions still on it. A worker process killed by
    the session's last test leaves its backend for a moment, and PostgreSQL refuses to drop a database in use
    (the test database was then left behind, with a warning)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError

    try:  # best effort: the drop then warns as before, nothing worse
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    except DatabaseError:
        pass


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


# --- Rippling → Visma against the sandboxes: shared by the e2e, admin, notification and browser tests ---
@pytest.fixture
def rippling(sandbox):
    return sandbox.app["rippling"]


@pytest.fixture
def visma(sandbox):
    """The Visma sandbox with an empty company, so every employee in it was written by the test."""
    vendor = sandbox.app["visma"]
    vendor.seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0,
                purchase_orders=0, payments=0, journal_transactions=0)
    return vendor


@pytest.fixture
def integration(tenant_a, make_sandbox_connection, rippling, visma):
    """A Rippling → Visma integration of tenant A (pages of 2 workers, so paging is exercised)."""
    from syncs.services import integration_create

    source = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling")
    destination = make_sandbox_connection("visma", tenant=tenant_a, name="Visma")
    return integration_create(tenant=tenant_a, name="HR → ERP", flow_kind="rippling_visma", source=source,
                              destination=destination, options={"page_size": 2})


@pytest.fixture
def worker_queue(settings):
    """A real worker process; everything the live server queues goes to its private queue."""
    from tests.support.worker import worker_taking_all_tasks

    with worker_taking_all_tasks() as queue:
        yield queue


@pytest.fixture
def eager_tasks():
    """Tasks queued by the code under test run inline, in this process."""
    from mlconnector.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
