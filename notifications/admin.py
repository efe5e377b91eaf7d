from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.fields import FieldDecryptionError
from mlconnector.sites import customer_site, ops_site
from notifications.models import Notification, NotificationSettings
from notifications.services import notification_settings_save, notification_test_send

SECRET_HELP = ("Signs every webhook request (HMAC-SHA256, see X-MLConnector-Signature). Stored encrypted and never "
               "shown again; leave blank to keep the current one.")


def has_webhook_secret(prefs: NotificationSettings) -> bool:
    try:
        return bool(prefs.pk and prefs.webhook_secret)
    except FieldDecryptionError:
        return False


class NotificationSettingsForm(forms.ModelForm):
    webhook_url = forms.URLField(assume_scheme="https", max_length=500, required=False,
                                 help_text=NotificationSettings._meta.get_field("webhook_url").help_text)
    new_webhook_secret = forms.CharField(label="Webhook secret", required=False, min_length=16, strip=True,
                                         widget=forms.PasswordInput(render_value=False), help_text=SECRET_HELP)

    class Meta:
        model = NotificationSettings
        fields = ("tenant", "email_enabled", "notify_records", "window_minutes", "webhook_url")

    def clean(self):
        data = super().clean()
        if data.get("webhook_url") and not data.get("new_webhook_secret") and not has_webhook_secret(self.instance):
            self.add_error("new_webhook_secret", "A webhook needs a secret of at least 16 characters, so the receiver "
                                                 "can check that each message comes from ml-connector.")
        return data


class NotificationSettingsAdmin(TenantScopedAdmin):
    """Owners and admins edit, viewers read; the webhook secret is write-only."""

    form = NotificationSettingsForm
    list_display = ("tenant", "email_enabled", "notify_records", "window_minutes", "webhook_host", "updated_at")
    actions = ["send_test"]

    @admin.display(description="Webhook")
    def webhook_host(self, obj):
        # The path, query or user:pass@ may carry a token; the list shows host[:port] only.
        return urlsplit(obj.webhook_url).netloc.rpartition("@")[2] or "-"

    def get_fields(self, request, obj=None):
        fields = ["tenant", "email_enabled", "notify_records", "window_minutes", "webhook_url", "webhook_secret_status"]
        if self.has_change_permission(request, obj):
            fields.insert(5, "new_webhook_secret")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return ("tenant", "webhook_secret_status") if obj is not None else ("webhook_secret_status",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        managing = self.tenant_ids(request, managing=True) if self.scoped else []
        if obj is None and len(managing) == 1 and "tenant" in form.base_fields:
            # One company: it is the one these settings are for; asking to pick it is noise.
            tenant = form.base_fields["tenant"]
            tenant.initial, tenant.widget = managing[0], forms.HiddenInput()
        return form

    @admin.display(description="Webhook secret status")
    def webhook_secret_status(self, obj):
        return "Set (stored encrypted)" if obj is not None and has_webhook_secret(obj) else "Not set"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = notification_settings_save(
            tenant=obj.tenant if change else data["tenant"], email_enabled=data["email_enabled"],
            notify_records=data["notify_records"], window_minutes=data["window_minutes"],
            webhook_url=data["webhook_url"], webhook_secret=data.get("new_webhook_secret", ""))
        obj.pk = saved.pk

    @admin.action(description="Send a test notification")
    def send_test(self, request, queryset):
        for prefs in queryset.select_related("tenant"):
            if not self.has_change_permission(request, prefs):
                continue
            sent = notification_test_send(tenant=prefs.tenant)
            if sent.status == Notification.Status.SENT:
                to = " and ".join(filter(None, [sent.recipients, sent.webhook_result and "the webhook"]))
                self.message_user(request, f"{prefs.tenant}: test notification sent to {to}"
                                           f"{f' ({sent.webhook_result})' if sent.webhook_result else ''}.",
                                  messages.SUCCESS)
            else:
                problems = "; ".join(filter(None, [sent.error, sent.webhook_result]))
                self.message_user(request, f"{prefs.tenant}: test notification not delivered: {problems}",
                                  messages.ERROR)


class NotificationAdmin(ReadOnlyTenantScopedAdmin):
    """The log: every message sent, held back by the rate limit, or not deliverable."""

    list_display = ("created_at", "kind", "subject", "status", "suppressed_count", "recipients", "webhook_result")
    list_filter = ("status", "kind")
    search_fields = ("subject",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


for site in (customer_site, ops_site):
    site.register(NotificationSettings, NotificationSettingsAdmin)
    site.register(Notification, NotificationAdmin)
