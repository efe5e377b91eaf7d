"""Each chaos module runs one chaos scenario in a module-scoped fixture and several tests assert on its outcome, so the
expensive part (a worker killed and restarted while it syncs) runs once. The data is committed (the worker is
another process) and flushed when the module ends.
"""
import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction, flushed afterwards (as a transactional test is)."""
    with django_db_blocker.unblock():
        yield
        call_command("flush", interactive=False, verbosity=0)
