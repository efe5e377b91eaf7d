"""Each chaos module runs one chaos scenario in a module-scoped fixture and several tests assert on its outcome, so the
expensive part (a worker killed and restarted while it syncs) runs once. The data is committed (the worker is
another process) and flushed when the module ends.
"""
import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.support.chaos import DEAD_WORKER_ENV


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction, flushed afterwards (as a transactional test is)."""
    with django_db_blocker.unblock():
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def dead_worker_settings():
    """DEAD_WORKER_ENV in this process too: the reaper runs here, as beat would. Vendor queues off, as the
    per-test fixture in tests/conftest.py does, so its resumptions reach the test's worker."""
    with override_settings(SYNC_VENDOR_QUEUES=False, **{name: float(value) for name, value in DEAD_WORKER_ENV.items()}):
        yield
