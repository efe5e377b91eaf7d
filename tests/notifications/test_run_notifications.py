"""Failure notifications for real runs against the Rippling and Visma sandboxes, with injected faults."""
from datetime import timedelta

from django.core import mail
from django.db.models import F

from notifications.messages import run_failed_message
from notifications.models import Kind, Notification, NotificationThrottle
from notifications.services import notification_settings_save
from syncs.engine import sync_run_create
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import ERROR_COLUMNS, SyncRun
from syncs.services import records_replay
from syncs.tasks import MAX_RETRIES, sync_run_task
from tests.notifications.conftest import departments, map_departments, restore_api_key

REVOKED_ADVICE = "Create a new API key in Rippling under Company Settings → API Access and enter it on the connection."


def an_hour_passes():
    NotificationThrottle.objects.update(last_sent_at=F("last_sent_at") - timedelta(minutes=61))


def test_it_emails_owner_and_admin_what_broke_and_what_to_do(integration, rippling, people, run_and_notify):
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()  # the key was revoked at Rippling

    result = run_and_notify(integration)

    assert result.status == SyncRun.Status.FAILED
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == ["admin_a@example.com", "owner@example.com"]  # not the viewer, not tenant B
    assert "HR → ERP: sync failed (Rippling)" in email.subject
    assert "Rippling answered 401: Invalid token" in email.body  # Rippling's own words
    assert REVOKED_ADVICE in email.body
    assert f"Run: #{result.number}" in email.body and "Integration: HR → ERP (Rippling → Visma.net ERP)" in email.body
    connection_url = f"http://127.0.0.1:8000/admin/connections/connection/{integration.source_id}/change/"
    assert connection_url in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and f'href="{connection_url}"' in html and "API Access" in html
    logged = Notification.objects.get()
    assert (logged.kind, logged.status, logged.run_id) == (Kind.RUN_FAILED, Notification.Status.SENT, result.pk)
    assert logged.recipients == "admin_a@example.com, owner@example.com"


def test_a_failed_run_stores_its_error_as_columns(integration, rippling, run_and_notify):
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    result = run_and_notify(integration)

    stored = SyncRun.objects.values(*ERROR_COLUMNS).get(pk=result.pk)
    hint = stored.pop("error_hint")
    assert stored == {"error_class": "VendorAuthError", "error_vendor": "Rippling", "error_status": 401,
                      "error_message": "Invalid token."}
    assert hint.startswith(REVOKED_ADVICE)
    assert result.error == f"Rippling answered 401: Invalid token. {hint}"  # the sentence, built from them


def test_the_message_is_built_from_the_columns_not_from_a_sentence(integration, owner):
    # A destination's refusal whose own words name the source vendor and end like a hint: parsing a
    # sentence would blame Rippling and cut Visma's message short.
    run = SyncRun.objects.create(
        tenant=integration.tenant, integration=integration, status=SyncRun.Status.FAILED,
        error_class="VendorRejected", error_vendor="Visma.net", error_status=400,
        error_message=f"Rippling worker 7 has no department. {REVOKED_ADVICE}", error_hint="Fix it at the source.")

    message = run_failed_message(run)

    assert message.said == f"Visma.net answered 400: Rippling worker 7 has no department. {REVOKED_ADVICE.rstrip('.')}."
    assert message.advice.startswith("Fix it at the source.")
    assert ("Vendor", "Visma.net ERP") in message.facts
    assert [label for label, _ in message.actions][0] == "Open the Visma.net ERP connection 'Visma'"


def test_links_start_with_the_site_url(integration, rippling, owner, run_and_notify, settings):
    settings.SITE_URL = "https://connector.example.com/"
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    result = run_and_notify(integration)

    assert f"https://connector.example.com/admin/syncs/syncrun/{result.pk}/change/" in mail.outbox[0].body


def test_twenty_failures_in_a_window_send_one_email_and_the_next_counts_them(integration, rippling, owner,
                                                                             run_and_notify):
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    for _ in range(20):
        assert run_and_notify(integration).status == SyncRun.Status.FAILED

    assert len(mail.outbox) == 1
    assert Notification.objects.filter(status=Notification.Status.SUPPRESSED).count() == 19
    an_hour_passes()
    run_and_notify(integration)

    assert len(mail.outbox) == 2
    assert "19 more failed runs since the last e-mail" in mail.outbox[1].body
    assert mail.outbox[1].subject.endswith("(+19 more)")
    assert Notification.objects.filter(status=Notification.Status.SENT).last().suppressed_count == 0
    assert Notification.objects.filter(status=Notification.Status.SENT).first().suppressed_count == 19


def test_the_window_is_the_tenants(integration, rippling, owner, run_and_notify, tenant_a):
    notification_settings_save(tenant=tenant_a, email_enabled=True, notify_records=True, window_minutes=5,
                               webhook_url="")
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()
    run_and_notify(integration)
    NotificationThrottle.objects.update(last_sent_at=F("last_sent_at") - timedelta(minutes=6))

    run_and_notify(integration)

    assert len(mail.outbox) == 2


def test_recovery_is_told_once_and_resets_the_limit(integration, rippling, owner, run_and_notify):
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()
    for _ in range(3):
        run_and_notify(integration)
    assert len(mail.outbox) == 1

    restore_api_key(rippling)
    recovered = run_and_notify(integration)
    run_and_notify(integration)  # still fine: nothing to say

    assert recovered.status == SyncRun.Status.SUCCEEDED
    assert len(mail.outbox) == 2
    back = mail.outbox[1]
    assert "HR → ERP: back to normal" in back.subject
    assert f"run #{recovered.number} got through after 3 failed runs" in back.body
    assert "2 of those failures were not e-mailed separately" in back.body
    assert Notification.objects.filter(kind=Kind.RECOVERED).count() == 1

    rippling.tokens.revoke_all()
    run_and_notify(integration)  # a new streak is news at once, though the last e-mail is minutes old
    assert len(mail.outbox) == 3 and "sync failed" in mail.outbox[2].subject


def test_a_vendor_down_is_told_only_after_the_last_retry(integration, rippling, owner, sandbox,
                                                          django_capture_on_commit_callbacks):
    map_departments(integration, rippling)
    # Rippling down for maintenance: every call answers 503 and asks to come back in two minutes, longer than
    # the client sleeps inline, so each attempt ends at once and Celery retries it.
    rippling.faults.fail_next(50, status=503, headers={"Retry-After": "120"},
                              body={"detail": "Rippling is down for scheduled maintenance."})
    run = sync_run_create(integration=integration)

    with django_capture_on_commit_callbacks(execute=True):
        sync_run_task.apply(args=[run.pk])  # eager: Celery's retries run one after the other

    attempts = [e for e in sandbox.app.log.filter(vendor="rippling") if e.status == 503]
    assert len(attempts) == MAX_RETRIES + 1
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert len(mail.outbox) == 1  # not one per attempt
    body = mail.outbox[0].body
    assert "Rippling answered 503: Rippling is down for scheduled maintenance" in body
    assert "Check Rippling's status page" in body


def test_held_records_name_the_missing_mapping_and_link_to_create_it(integration, rippling, owner,
                                                                     run_and_notify):
    map_departments(integration, rippling, leave_out=1)
    unmapped = departments(rippling)[-1]

    result = run_and_notify(integration)

    assert result.status == SyncRun.Status.PARTIAL and result.held
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert f"record{'s' if result.held > 1 else ''} held, mapping missing" in email.subject
    assert f"department '{unmapped['name']}'" in email.body
    assert ("http://127.0.0.1:8000/admin/syncs/valuemapping/add/?integration="
            f"{integration.pk}&map_name={DEPARTMENT_MAP}&source_value={unmapped['id']}") in email.body
    assert Notification.objects.get().kind == Kind.RECORDS_HELD


def test_records_held_again_for_the_same_mapping_are_not_news(integration, rippling, owner, run_and_notify,
                                                              django_capture_on_commit_callbacks):
    map_departments(integration, rippling, leave_out=1)
    first = run_and_notify(integration)
    NotificationThrottle.objects.update(last_sent_at=None)  # the limit is not what keeps this quiet

    with django_capture_on_commit_callbacks(execute=True):
        replay = records_replay(integration=integration, from_run=first)

    assert replay.held == first.held
    assert len(mail.outbox) == 1


def test_failed_records_are_listed_with_the_vendors_words(tenant_a, owner, make_sandbox_connection, sandbox,
                                                          run_and_notify):
    from syncs.models import ValueMapping
    from syncs.services import integration_create
    from tests.syncs import flow_under_test as flow

    visma = sandbox.app["visma"]
    visma.seed(customers=6, suppliers=0, employees=1, supplier_invoices=0, customer_invoices=0, purchase_orders=0,
               payments=0, journal_transactions=0)
    integration = integration_create(
        tenant=tenant_a, name="Customers to suppliers", flow_kind=flow.KIND,
        source=make_sandbox_connection("visma", tenant=tenant_a, name="Visma source"),
        destination=make_sandbox_connection("visma", tenant=tenant_a, name="Visma destination"))
    for source_class, target in (("DOM", "DOM"), ("EXP", "FOR")):
        ValueMapping.objects.create(tenant=tenant_a, integration=integration, map_name=flow.CLASS_MAP,
                                    source_value=source_class, target_value=target)
    refused = list(visma.data.tables["customers"].ordered()[0])[0]["number"]
    visma.modify("customer", refused, status="CreditHold")  # no such supplier status: Visma refuses it

    result = run_and_notify(integration)

    assert result.status == SyncRun.Status.PARTIAL and result.failed == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "could not write 1 record" in body
    assert f"customers {refused}: Visma.net answered 400" in body and "CreditHold" in body
    assert "/admin/syncs/pendingrecord/?status__exact=failed" in body


def test_a_tenant_can_leave_out_record_problems(integration, rippling, owner, tenant_a, run_and_notify):
    notification_settings_save(tenant=tenant_a, email_enabled=True, notify_records=False, window_minutes=60,
                               webhook_url="")
    map_departments(integration, rippling, leave_out=1)

    assert run_and_notify(integration).status == SyncRun.Status.PARTIAL
    assert mail.outbox == [] and not Notification.objects.exists()


def test_an_ordinary_good_run_sends_nothing(integration, rippling, owner, run_and_notify):
    map_departments(integration, rippling)

    assert run_and_notify(integration).status == SyncRun.Status.SUCCEEDED
    assert mail.outbox == [] and not Notification.objects.exists()


def test_an_unreachable_mail_server_does_not_break_the_run(integration, rippling, owner, run_and_notify, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    map_departments(integration, rippling)
    rippling.tokens.revoke_all()

    result = run_and_notify(integration)
    run_and_notify(integration)

    assert result.status == SyncRun.Status.FAILED and "Invalid token" in result.error
    failed = Notification.objects.filter(status=Notification.Status.FAILED)
    assert failed.count() == 2  # nobody heard the first, so the second was not held back
    assert "e-mail not sent" in failed.first().error
    assert failed.first().suppressed_count == 1  # and it counts the first


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_skipped_run_is_not_news(integration, rippling, owner, run_and_notify):
    from syncs.locks import lock_acquire

    map_departments(integration, rippling)
    lease = lock_acquire(integration_id=integration.pk)
    try:
        assert run_and_notify(integration).status == SyncRun.Status.SKIPPED
    finally:
        lease.release()
    assert not Notification.objects.exists()
