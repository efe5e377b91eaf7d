"""API tokens in the admin: on the customer site each user sees only their own; /ops/ sees everyone's.

DRF's TokenProxy is keyed by user, so the token's key never appears in a URL or a list. "Revoke" deletes a
token; "rotate" issues a new one, shown once in the message to its own user.
"""
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from connections.signup import auth_token_expired, auth_token_expires_at, auth_token_revoke, auth_token_rotate
from mlconnector.sites import customer_site, ops_site


class ApiTokenAdmin(TokenAdmin):
    """DRF's TokenAdmin maps the user id in URLs to the token; the actions get the same mapping here."""

    list_display = ("user", "created", "expires_at", "expired")
    list_filter = ()
    fields = ("user", "created", "expires_at", "expired")
    readonly_fields = fields
    actions = ["rotate", "revoke"]

    def response_action(self, request, queryset):
        # The checkboxes carry user ids (TokenProxy.pk); Django would filter the real pk, the key, with them.
        users = [v for v in request.POST.getlist(ACTION_CHECKBOX_NAME) if v.isdigit()]
        post = request.POST.copy()
        post.setlist(ACTION_CHECKBOX_NAME, list(queryset.filter(user_id__in=users).values_list("pk", flat=True)))
        request.POST = post
        return super().response_action(request, queryset)

    @property
    def scoped(self) -> bool:
        return getattr(self.admin_site, "tenant_scoped", False)

    @admin.display(description="Expires")
    def expires_at(self, obj):
        return auth_token_expires_at(token=obj)

    @admin.display(description="Expired", boolean=True)
    def expired(self, obj):
        return auth_token_expired(token=obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset.filter(user=request.user) if self.scoped else queryset

    def _own(self, request, obj) -> bool:
        return obj is None or obj.user_id == request.user.pk

    def has_module_permission(self, request):
        return True if self.scoped else super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._own(request, obj) if self.scoped else super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._own(request, obj) if self.scoped else super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Rotate: issue a new token, refuse the old one", permissions=["delete"])
    def rotate(self, request, queryset):
        for token in queryset:
            if self.has_delete_permission(request, token):
                new = auth_token_rotate(user=token.user)
                if new.user_id == request.user.pk:
                    self.message_user(request, f"Your new API token: {new.key}", messages.SUCCESS)
                else:  # an operator never sees someone else's token
                    self.message_user(request, f"{token.user}'s token was replaced; they get the new one by logging "
                                               "in (POST /api/v1/auth/token).", messages.SUCCESS)


    @admin.action(description="Revoke: refuse the token from now on", permissions=["delete"])
    def revoke(self, request, queryset):
        for token in queryset:
            if self.has_delete_permission(request, token):
                auth_token_revoke(user=token.user)
                self.message_user(request, f"{token.user}'s API token is revoked.", messages.SUCCESS)


for site in (customer_site, ops_site):
    site.register(TokenProxy, ApiTokenAdmin)
