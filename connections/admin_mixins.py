"""Tenant scoping for every ModelAdmin on the customer site."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from connections.models import Tenant
from connections.selectors import tenant_ids_for_user


class TenantScopedAdmin(admin.ModelAdmin):
    """Limits querysets, choices and permissions to the user's tenants on the customer site.

    Owners and admins manage; viewers read. On the ops site Django's staff permissions apply.
    """

    tenant_path = "tenant"  # lookup from the model to its Tenant
    # The object_type its services write to the change log (changelog/services.py), "" for models not logged.
    change_log_type = ""

    @property
    def scoped(self) -> bool:
        return getattr(self.admin_site, "tenant_scoped", False)

    def tenant_ids(self, request, *, managing: bool = False) -> list[int]:
        attr = "_tenant_ids_managing" if managing else "_tenant_ids"
        if not hasattr(request, attr):
            setattr(request, attr, tenant_ids_for_user(user=request.user, managing=managing))
        return getattr(request, attr)

    def object_tenant_id(self, obj) -> int | None:
        if isinstance(obj, Tenant):
            return obj.pk
        target = obj
        for part in self.tenant_path.split("__"):
            target = getattr(target, part, None)
        return target.pk if isinstance(target, Tenant) else None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.scoped:
            return queryset
        return queryset.filter(**{f"{self.tenant_path}__in": self.tenant_ids(request)})

    def _may(self, request, obj, *, managing: bool) -> bool:
        ids = self.tenant_ids(request, managing=managing)
        return bool(ids) and (obj is None or self.object_tenant_id(obj) in ids)

    def has_module_permission(self, request):
        return bool(self.tenant_ids(request)) if self.scoped else super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj, managing=False) if self.scoped else super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._may(request, None, managing=True) if self.scoped else super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj, managing=True) if self.scoped else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj, managing=True) if self.scoped else super().has_delete_permission(request, obj)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        # A customer of one company gains nothing from a column that always names it.
        if self.scoped and len(self.tenant_ids(request)) == 1:
            shown = tuple(f for f in shown if f != "tenant")
        return shown

    def changelist_view(self, request, extra_context=None):
        # "Integrations", not Django's "Select integration to change": customers do more here than select.
        if self.scoped:
            extra_context = {"title": str(self.model._meta.verbose_name_plural).capitalize(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_log_url(self, request, obj) -> str:
        """This object's entries in the change log, for a user who may read it ('' otherwise)."""
        if not (self.scoped and self.change_log_type and obj is not None):
            return ""
        log = next((a for m, a in self.admin_site._registry.items() if m._meta.label == "changelog.ChangeLogEntry"),
                   None)
        if log is None or self.object_tenant_id(obj) not in log.tenant_ids(request):
            return ""
        return (reverse(f"{self.admin_site.name}:changelog_changelogentry_changelist") + "?"
                + urlencode({"object_type__exact": self.change_log_type, "object_id": obj.pk}))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Customers get the product's change log (who changed what, before → after) in place of Django's
        # History, whose entries are form-field strings ("Changed Target value.").
        if self.scoped:
            context = {**context, "change_log_url": self.change_log_url(request, obj)}
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_view(self, request, object_id, extra_context=None):
        if not self.scoped:
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such object for your company.")
        url = self.change_log_url(request, obj)
        if url:
            return HttpResponseRedirect(url)
        self.message_user(request, "Who changed what is in the change log, which your company's owners can read."
                          if self.change_log_type else "This page has no change history of its own.", messages.INFO)
        meta = self.opts
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_change",
                                            args=[obj.pk]))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self.scoped:
            managing = self.tenant_ids(request, managing=True)
            related = db_field.related_model
            if related is Tenant:
                kwargs["queryset"] = Tenant.objects.filter(pk__in=managing)
            elif any(f.name == "tenant" for f in related._meta.fields):
                kwargs["queryset"] = related._default_manager.filter(tenant__in=managing)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyTenantScopedAdmin(TenantScopedAdmin):
    """For records nobody edits by hand (runs, audit): view only, on both sites."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceDeletionMixin:
    """Deletions from the admin go through the model's delete service (its checks, schedule, change log),
    one object at a time and with the acting user, never through a bulk queryset delete.

    Each admin names its service in `delete_one(obj, *, actor)`; one that does not is refused when its class
    is defined (Django admin's metaclass rules out an abstract base here)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not callable(getattr(cls, "delete_one", None)):
            raise TypeError(f"{cls.__name__} deletes through a service but defines no delete_one(obj, *, actor).")

    def delete_model(self, request, obj):
        self.delete_one(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_one(obj, actor=request.user)
