"""A connection test that fails (a revoked key) is told once per window; its first pass afterwards once."""
from django.core import mail

from connections.services import connection_test
from notifications.models import Kind, Notification
from tests.notifications.conftest import restore_api_key


def test_a_revoked_key_is_told_with_what_to_do_then_its_recovery(tenant_a, people, rippling,
                                                                  make_sandbox_connection,
                                                                  django_capture_on_commit_callbacks):
    connection = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling HR")
    rippling.tokens.revoke_all()

    with django_capture_on_commit_callbacks(execute=True):
        assert not connection_test(connection=connection).ok
        assert not connection_test(connection=connection).ok  # pressed again: held back

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == ["admin_a@example.com", "owner@example.com"]
    assert "Connection 'Rippling HR' (Rippling) failed its test" in email.subject
    assert "Rippling rejected the API key: Invalid token." in email.body
    assert "Create a new API key in Rippling under Company Settings → API Access" in email.body
    assert f"/admin/connections/connection/{connection.pk}/change/" in email.body
    assert [n.status for n in Notification.objects.order_by("id")] == ["sent", "suppressed"]

    restore_api_key(rippling)
    with django_capture_on_commit_callbacks(execute=True):
        assert connection_test(connection=connection).ok
        assert connection_test(connection=connection).ok

    assert len(mail.outbox) == 2
    assert "back to normal" in mail.outbox[1].subject and "after 2 failed tests" in mail.outbox[1].body
    assert Notification.objects.filter(kind=Kind.RECOVERED).count() == 1


def test_a_passing_test_alone_sends_nothing(tenant_a, owner, make_sandbox_connection,
                                            django_capture_on_commit_callbacks):
    connection = make_sandbox_connection("rippling", tenant=tenant_a)

    with django_capture_on_commit_callbacks(execute=True):
        assert connection_test(connection=connection).ok

    assert mail.outbox == [] and not Notification.objects.exists()
