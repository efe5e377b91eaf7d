"""Notification settings and log in the customer admin, for owner, admin, viewer and tenant B's outsider."""
import pytest
from django.core import mail
from django.urls import reverse

from mlconnector.sites import customer_site, ops_site
from notifications.models import Kind, Notification, NotificationSettings
from notifications.services import notification_settings_save

SECRET = "never-shown-webhook-secret-0123"


def url(model, view, *args, site=customer_site):
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def objects(tenant_a, people):
    prefs = notification_settings_save(tenant=tenant_a, email_enabled=True, notify_records=True, window_minutes=60,
                                       webhook_url="https://hooks.example.com/a", webhook_secret=SECRET)
    logged = Notification.objects.create(tenant=tenant_a, kind=Kind.RUN_FAILED, status=Notification.Status.SENT,
                                         subject="[ml-connector] Tenant A: HR → ERP: sync failed",
                                         text="Rippling answered 401", recipients="owner@example.com")
    return {NotificationSettings: prefs, Notification: logged}


def form_data(**changes):
    data = {"email_enabled": "on", "notify_records": "on", "window_minutes": "60",
            "webhook_url": "https://hooks.example.com/a", "new_webhook_secret": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_both_sites_register_the_settings_and_the_log():
    for site in (customer_site, ops_site):
        assert {NotificationSettings, Notification} <= set(site._registry)


@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_owners_and_admins_edit_the_settings(client, people, objects, actor):
    client.force_login(people[actor])
    prefs = objects[NotificationSettings]

    page = client.get(url(NotificationSettings, "change", prefs.pk))
    assert page.status_code == 200 and b'name="_save"' in page.content
    assert SECRET.encode() not in page.content and b"Set (stored encrypted)" in page.content
    response = client.post(url(NotificationSettings, "change", prefs.pk), form_data(window_minutes="15"))

    assert response.status_code == 302
    prefs.refresh_from_db()
    assert prefs.window_minutes == 15 and prefs.webhook_secret == SECRET  # a blank secret keeps the stored one


def test_a_new_secret_replaces_the_old_and_a_webhook_needs_one(client, owner, objects, tenant_a):
    client.force_login(owner)
    prefs = objects[NotificationSettings]
    client.post(url(NotificationSettings, "change", prefs.pk), form_data(new_webhook_secret="a-brand-new-secret-456"))
    prefs.refresh_from_db()
    assert prefs.webhook_secret == "a-brand-new-secret-456"

    NotificationSettings.objects.all().delete()
    page = client.post(url(NotificationSettings, "add"), form_data(tenant=tenant_a.pk))
    assert page.status_code == 200 and b"A webhook needs a secret" in page.content
    assert not NotificationSettings.objects.exists()


def test_viewer_reads_but_cannot_change(client, member, objects):
    client.force_login(member)
    prefs = objects[NotificationSettings]

    page = client.get(url(NotificationSettings, "change", prefs.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content and b"new_webhook_secret" not in page.content
    assert SECRET.encode() not in page.content
    assert client.post(url(NotificationSettings, "change", prefs.pk), form_data(window_minutes="1")).status_code == 403
    assert client.get(url(Notification, "changelist")).status_code == 200
    assert client.get(url(Notification, "change", objects[Notification].pk)).status_code == 200
    prefs.refresh_from_db()
    assert prefs.window_minutes == 60


@pytest.mark.parametrize("model", [NotificationSettings, Notification], ids=lambda m: m.__name__)
def test_outsider_can_neither_read_nor_change(client, outsider, objects, model):
    client.force_login(outsider)
    obj = objects[model]

    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200 and obj not in listing.context["cl"].result_list
    for view in ("change", "history", "delete"):
        response = client.get(url(model, view, obj.pk))
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert b"hooks.example.com" not in response.content and "HR → ERP" not in response.content.decode()
    client.post(url(model, "change", obj.pk), form_data(window_minutes="1", webhook_url="https://evil.example.com"))
    client.post(url(model, "delete", obj.pk), {"post": "yes"})
    assert model.objects.filter(pk=obj.pk).exists()
    if model is NotificationSettings:
        obj.refresh_from_db()
        assert (obj.window_minutes, obj.webhook_url) == (60, "https://hooks.example.com/a")


def test_outsider_cannot_create_settings_for_another_tenant(client, outsider, objects, tenant_a):
    NotificationSettings.objects.all().delete()
    client.force_login(outsider)

    page = client.post(url(NotificationSettings, "add"), form_data(tenant=tenant_a.pk, webhook_url="",
                                                                   window_minutes="1"))

    assert page.status_code == 200 and b"Select a valid choice" in page.content
    assert not NotificationSettings.objects.filter(tenant=tenant_a).exists()


def test_the_log_is_read_only(client, owner, objects):
    client.force_login(owner)
    logged = objects[Notification]

    assert client.get(url(Notification, "add")).status_code == 403
    assert client.post(url(Notification, "delete", logged.pk), {"post": "yes"}).status_code == 403
    page = client.get(url(Notification, "change", logged.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_owner_sends_a_test_notification_and_the_outsider_cannot(client, owner, outsider, objects, settings):
    prefs = objects[NotificationSettings]
    NotificationSettings.objects.filter(pk=prefs.pk).update(webhook_url="")

    client.force_login(outsider)
    client.post(url(NotificationSettings, "changelist"), {"action": "send_test", "_selected_action": [prefs.pk]})
    assert mail.outbox == []

    client.force_login(owner)
    response = client.post(url(NotificationSettings, "changelist"),
                           {"action": "send_test", "_selected_action": [prefs.pk]}, follow=True)
    assert len(mail.outbox) == 1 and "Test message" in mail.outbox[0].subject
    assert "test notification sent to" in response.content.decode()


@pytest.mark.parametrize("actor", ["owner", "member", "outsider"])
def test_ops_site_is_for_staff_only(client, people, objects, actor):
    client.force_login(people[actor])
    for model in (NotificationSettings, Notification):
        response = client.get(url(model, "changelist", site=ops_site))
        assert response.status_code == 302 and "/ops/login/" in response["Location"]


def test_production_without_a_mail_server_is_warned(settings):
    from notifications.checks import email_is_delivered

    settings.PRODUCTION = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    assert [w.id for w in email_is_delivered(None)] == ["notifications.W001"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert email_is_delivered(None) == []


def test_a_one_company_owner_is_not_asked_to_pick_a_tenant(client, owner, tenant_a):
    from django.urls import reverse

    from notifications.models import NotificationSettings

    client.force_login(owner)
    add = reverse("customer_admin:notifications_notificationsettings_add")
    html = client.get(add).content.decode()
    assert f'<input type="hidden" name="tenant" value="{tenant_a.pk}"' in html and "<select name=\"tenant\"" not in html
    response = client.post(add, {"tenant": tenant_a.pk, "email_enabled": "on", "notify_records": "on",
                                 "window_minutes": 60, "webhook_url": ""})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(tenant=tenant_a).window_minutes == 60
