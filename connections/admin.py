"""The connections admin: each company's vendor connections (credentials, test, webhooks, OAuth connect) and, on
/ops/ only, the hosts operators allow a tenant's credentials to be sent to. Companies and members: `admin_tenants`.
"""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from audit.redaction import redact_text
from connections.admin_mixins import ServiceDeletionMixin, TenantScopedAdmin
from connections.forms import (
    ADVANCED_HELP,
    advanced_field_names,
    config_field_names,
    connection_form_for,
    credential_field_names,
)
from connections.deletion import connection_delete
from connections.install_views import install_callback_view, install_start_view
from connections.installs import connection_installable
from connections.models import AllowedHost, Connection
from connections.selectors import connection_webhook_url, connection_webhooks_registered
from connections.services import (
    ConnectionTestThrottled,
    connection_create,
    connection_test,
    connection_update,
    connection_webhook_token_rotate,
    connection_webhooks_register,
)
from connections.vendors import all_vendors, get_vendor
from connections.vendors.errors import VendorConfigurationError, VendorError
from mlconnector.sites import customer_site, ops_site


class ConnectionAdmin(ServiceDeletionMixin, TenantScopedAdmin):
    change_log_type = "connection"
    list_display = ("name", "tenant", "vendor_label", "status", "last_tested_at")
    list_filter = ("kind", "status")
    search_fields = ("name",)
    readonly_fields = ("vendor_label", "status", "last_tested_at", "last_error", "intake_url", "registered_webhooks")
    actions = ["test_connections", "rotate_intake_urls", "register_webhooks"]

    def get_readonly_fields(self, request, obj=None):
        # A connection (and its secrets) stays with its company: moving it is not an edit.
        return self.readonly_fields + (("tenant",) if obj is not None else ())

    @admin.display(description="Vendor")
    def vendor_label(self, obj):
        try:
            return get_vendor(obj.kind).label
        except VendorConfigurationError:
            return obj.kind

    @admin.display(description="Intake URL for webhooks")
    def intake_url(self, obj):
        return connection_webhook_url(connection=obj)

    @admin.display(description="Registered at the vendor")
    def registered_webhooks(self, obj):
        try:
            hooks = connection_webhooks_registered(tenant=obj.tenant, connection=obj)
        except VendorError as error:
            return f"Could not ask {error.vendor or 'the vendor'}: {redact_text(str(error))}"
        if not hooks:
            return "Nothing registered yet: use the action \"Register Paychex webhooks\"."
        return "; ".join(f"{', '.join(h.get('domains') or [])} → {'this intake URL' if h['current'] else 'an old URL'}"
                         f" ({h.get('authType')}, {h.get('companyId') or 'every linked company'})" for h in hooks)

    def vendor_for(self, request, obj=None):
        kind = obj.kind if obj is not None else request.GET.get("kind", "")
        try:
            return get_vendor(kind)
        except VendorConfigurationError:
            raise Http404(f"Unknown vendor {kind!r}") from None

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = connection_form_for(self.vendor_for(request, obj))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        vendor = self.vendor_for(request, obj)
        return [
            (None, {"fields": ["tenant", "name", "vendor_label"]}),
            ("Credentials", {"fields": credential_field_names(vendor),
                             "description": "Secrets are stored encrypted and are never displayed."}),
            *([("Settings", {"fields": config_field_names(vendor, folded=False)})]
              if config_field_names(vendor, folded=False) else []),
            ("Status", {"fields": ["status", "last_tested_at", "last_error"]}),
            ("Advanced", {"fields": advanced_field_names(vendor), "classes": ["collapse"],
                          "description": ADVANCED_HELP}),
        ] + self.intake_fieldsets(request, vendor, obj)

    def intake_fieldsets(self, request, vendor, obj) -> list:
        # The URL is a secret where the vendor signs nothing (Rippling): shown only to those who manage the connection.
        if obj is None or vendor.webhooks is None or not self.has_change_permission(request, obj):
            return []
        if vendor.registration is not None:
            return [("Webhooks", {"fields": ["intake_url", "registered_webhooks"], "description": (
                f"{vendor.label} is told this URL by the action \"Register Paychex webhooks\", with new credentials "
                "it will present to us; giving new intake URLs registers the new one.")})]
        return [("Webhooks", {"fields": ["intake_url"], "description": (
            "Give this URL to the vendor as the webhook address. Keep it secret; the action \"Give new intake URLs\" "
            "replaces it (then tell the vendor the new one).")})]

    def add_view(self, request, form_url="", extra_context=None):
        if "kind" not in request.GET:
            if not self.has_add_permission(request):
                raise PermissionDenied
            context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                       "vendors": all_vendors(), "title": "Choose the system to connect"}
            return TemplateResponse(request, "admin/connections/connection/choose_vendor.html", context)
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            # The form wrote the typed values onto `obj`; the service compares with what is stored.
            stored = Connection.objects.get(pk=obj.pk)
            connection_update(connection=stored, name=form.cleaned_data["name"],
                              base_url=form.cleaned_data["base_url"], credentials=form.credentials(),
                              config=form.config(), actor=request.user)
        else:
            created = connection_create(tenant=form.cleaned_data["tenant"], kind=form.vendor.kind,
                                        name=form.cleaned_data["name"], base_url=form.cleaned_data["base_url"],
                                        credentials=form.credentials(), config=form.config(), actor=request.user)
            obj.pk = created.pk

    def delete_one(self, obj, *, actor):
        connection_delete(connection=obj, actor=actor)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        site = self.admin_site
        return [
            path("<path:object_id>/test/", site.admin_view(self.test_view), name="%s_%s_test" % info),
            # "Connect <vendor>" (OAuth2 authorization code) and the vendor's redirect back: connections/installs.py
            path("<path:object_id>/connect/", site.admin_view(
                lambda request, object_id: install_start_view(request, site.name, object_id)),
                name="%s_%s_connect" % info),
            path("oauth/callback/", site.admin_view(lambda request: install_callback_view(request, site.name)),
                 name="%s_%s_oauth_callback" % info),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        connection = self.get_object(request, object_id)
        if connection is not None and connection_installable(connection=connection):
            extra_context = {**(extra_context or {}), "install_label": f"Connect {get_vendor(connection.kind).label}"}
        return super().change_view(request, object_id, form_url, extra_context)

    def test_view(self, request, object_id):
        connection = self.get_object(request, object_id)
        if connection is None:
            raise Http404("No such connection")
        if request.method != "POST" or not self.has_change_permission(request, connection):
            raise PermissionDenied
        self._test_and_report(request, connection)
        back = request.POST.get("next", "")  # "Test again" on a dashboard returns there
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            info = self.model._meta.app_label, self.model._meta.model_name
            back = reverse(f"{self.admin_site.name}:%s_%s_change" % info, args=[connection.pk])
        return HttpResponseRedirect(back)

    @admin.action(description="Test connection")
    def test_connections(self, request, queryset):
        for connection in queryset:
            if self.has_change_permission(request, connection) and not self._test_and_report(request, connection):
                break

    @admin.action(description="Give new intake URLs (the old ones stop working)", permissions=["change"])
    def rotate_intake_urls(self, request, queryset):
        for connection in queryset:
            if self.has_change_permission(request, connection):
                try:
                    connection_webhook_token_rotate(connection=connection)
                except VendorError as error:  # the URL changed, but the vendor could not be told
                    self.message_user(request, f"{connection.name}: new intake URL, but registering it failed: "
                                               f"{redact_text(str(error))}", messages.ERROR)
                    continue
                registration = get_vendor(connection.kind).registration
                told = registration is not None and registration.registered_here(connection.credentials or {})
                self.message_user(request, f"{connection.name}: new intake URL {connection_webhook_url(connection=connection)}"
                                           + (" — registered at the vendor." if told else " — give it to the vendor."),
                                  messages.SUCCESS)

    @admin.action(description="Register Paychex webhooks (with new credentials)", permissions=["change"])
    def register_webhooks(self, request, queryset):
        for connection in queryset:
            if not self.has_change_permission(request, connection):
                continue
            if get_vendor(connection.kind).registration is None:
                self.message_user(request, f"{connection.name}: this vendor's webhooks are not registered through "
                                           "its API; give it the intake URL.", messages.WARNING)
                continue
            try:
                hook = connection_webhooks_register(connection=connection)
            except VendorError as error:
                self.message_user(request, f"{connection.name}: {redact_text(str(error))}", messages.ERROR)
                continue
            self.message_user(request, f"{connection.name}: registered {', '.join(hook.get('domains') or [])} for "
                                       f"{connection_webhook_url(connection=connection)}.", messages.SUCCESS)

    def _test_and_report(self, request, connection) -> bool:
        """Test and say what happened; False once the tenant's test budget is used up."""
        try:
            result = connection_test(connection=connection)
        except ConnectionTestThrottled as throttled:
            self.message_user(request, f"{connection.name}: {throttled}", messages.WARNING)
            return False
        level = messages.SUCCESS if result.ok else messages.ERROR
        self.message_user(request, f"{connection.name}: {result.message}", level)
        return True


class AllowedHostAdmin(admin.ModelAdmin):
    """Operators only (registered on /ops/): a tenant must not widen where its own credentials may be sent."""

    list_display = ("host", "tenant", "reason", "created_by", "created_at")
    list_filter = ("tenant",)
    search_fields = ("host", "tenant__name")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


ops_site.register(AllowedHost, AllowedHostAdmin)

for site in (customer_site, ops_site):
    site.register(Connection, ConnectionAdmin)

# Companies and their members live beside this one (one module per page family); importing it registers them.
from connections import admin_tenants  # noqa: E402,F401
