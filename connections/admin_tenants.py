"""Companies and their members in the admin: a tenant's own settings, and who may do what in it.

On the customer site members are managed within the user's companies (an owner's decisions stay the owner's);
on /ops/ operators act for the company. Role changes and removals go through `connections/memberships.py`.
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied

from connections.admin_mixins import TenantScopedAdmin
from connections.memberships import MembershipRefused, membership_remove, membership_role_set
from connections.models import Membership, Tenant
from mlconnector.sites import customer_site, ops_site


class TenantAdmin(TenantScopedAdmin):
    tenant_path = "pk"
    list_display = ("name", "slug", "is_active", "created_at")
    search_fields = ("name", "slug")

    def get_readonly_fields(self, request, obj=None):
        if not self.scoped:
            return ("created_at",)
        # Shortening the retention deletes history at the next purge: the owner's decision, not an admin's.
        owner = obj is not None and Membership.objects.filter(user=request.user, tenant=obj,
                                                              role=Membership.Role.OWNER).exists()
        return ("slug", "is_active", "created_at") + (() if owner else ("audit_retention_days",))

    def has_add_permission(self, request):
        # Customers get tenants by signing up; operators may create them.
        return False if self.scoped else super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False if self.scoped else super().has_delete_permission(request, obj)


class MembershipAdmin(TenantScopedAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)

    def acting_user(self, request):
        # Operators on /ops/ act for the company (connections/memberships.py); customers as themselves.
        return request.user if self.scoped else None

    def get_readonly_fields(self, request, obj=None):
        # On the customer site the user is fixed: choosing from all users would leak other tenants' people.
        fields = ("user", "tenant", "created_at") if self.scoped else ("created_at",)
        if self.scoped and obj is not None and not self._owner_of(request, obj):
            fields += ("role",) if obj.role == Membership.Role.OWNER else ()
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and self.scoped and not self._owner_of(request, None):
            field.choices = [c for c in field.choices if c[0] != Membership.Role.OWNER]
        return field

    def _owner_of(self, request, obj) -> bool:
        tenant_ids = [obj.tenant_id] if obj is not None else self.tenant_ids(request, managing=True)
        return Membership.objects.filter(user=request.user, tenant_id__in=tenant_ids,
                                         role=Membership.Role.OWNER).exists()

    def has_add_permission(self, request):
        return False if self.scoped else super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        if self.scoped and obj is not None and obj.user_id == request.user.pk:
            return False  # leaving a company is another owner's act: no Delete that locks you out of your own
        if obj is not None and obj.role == Membership.Role.OWNER:
            if self.scoped and not self._owner_of(request, obj):
                return False
            if not Membership.objects.filter(tenant_id=obj.tenant_id, role=obj.role).exclude(pk=obj.pk).exists():
                return False  # the last owner
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        try:
            membership_role_set(membership=obj, role=obj.role, by=self.acting_user(request))
        except MembershipRefused as refused:
            raise PermissionDenied(str(refused)) from None

    def delete_model(self, request, obj):
        try:
            membership_remove(membership=obj, by=self.acting_user(request))
        except MembershipRefused as refused:
            self.message_user(request, f"{obj}: {refused}", messages.ERROR)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


for site in (customer_site, ops_site):
    site.register(Tenant, TenantAdmin)
    site.register(Membership, MembershipAdmin)
