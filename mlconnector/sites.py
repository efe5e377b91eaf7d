"""Two admin sites: the customer UI (tenant-scoped) and the operators' site (staff, all tenants)."""
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm

from connections.selectors import tenant_ids_for_user


class CustomerLoginForm(AdminAuthenticationForm):
    """Customers are not Django staff: any active user with a tenant membership may sign in."""

    def confirm_login_allowed(self, user):
        if not user.is_active or not tenant_ids_for_user(user=user):
            raise forms.ValidationError(
                "This account does not belong to any active company. Ask your company's owner to invite you.",
                code="invalid_login")


class CustomerAdminSite(admin.AdminSite):
    site_header = "ml-connector"
    site_title = "ml-connector"
    index_title = "Your integrations"
    login_form = CustomerLoginForm
    site_url = None  # no separate public site: hide "View site"
    tenant_scoped = True
    index_template = "admin/syncs/index.html"  # the app list, under an overview of each integration's health

    def has_permission(self, request):
        return bool(tenant_ids_for_user(user=request.user))

    def each_context(self, request):
        # Templates shared with the ops site hide Django's scaffolding here (its History link, for one).
        return {**super().each_context(request), "customer_site": True}

    def get_urls(self):
        from wizard.urls import wizard_urls  # the setup wizard's pages (/admin/wizard/…) live on this site

        return wizard_urls(self) + super().get_urls()


class OpsAdminSite(admin.AdminSite):
    site_header = "ml-connector operations"
    site_title = "ml-connector ops"
    index_title = "All tenants (staff only)"
    site_url = None
    tenant_scoped = False


customer_site = CustomerAdminSite(name="customer_admin")
ops_site = OpsAdminSite(name="ops_admin")
