"""Password reset by e-mail: Django's own views (one-time tokens from PasswordResetTokenGenerator, valid
PASSWORD_RESET_TIMEOUT), rendered in the customer admin's look. Links in the e-mail start with SITE_URL,
never with the request's Host header. Only active users get a mail (Django's PasswordResetForm): an
unconfirmed sign-up cannot be taken over by resetting its password.
"""
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from connections.signup import auth_token_revoke
from mlconnector.sites import customer_site


class CustomerSitePage:
    """Admin templates need the site's context (header, title) and its URL namespace for their links."""

    def dispatch(self, request, *args, **kwargs):
        request.current_app = customer_site.name
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**customer_site.each_context(self.request), **super().get_context_data(**kwargs)}


class PasswordResetView(CustomerSitePage, auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/"), "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}

    def form_valid(self, form):
        if not self.allowed(form.cleaned_data["email"]):
            # Same answer as a sent mail: the form must not tell which addresses exist, nor flood one inbox.
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = self.get_extra_email_context()
        self.from_email = settings.DEFAULT_FROM_EMAIL
        return super().form_valid(form)

    @staticmethod
    def allowed(email: str) -> bool:
        """At most PASSWORD_RESET_MAILS_PER_HOUR reset mails per address (shared cache: every web worker)."""
        key = "password-reset:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= settings.PASSWORD_RESET_MAILS_PER_HOUR


class PasswordResetDoneView(CustomerSitePage, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(CustomerSitePage, auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        # Whoever knew the old password may hold the API token too; sessions end by Django's session hash.
        auth_token_revoke(user=form.user)
        return super().form_valid(form)


class PasswordResetCompleteView(CustomerSitePage, auth_views.PasswordResetCompleteView):
    pass


# The admin's login page links to `admin_password_reset` when that name exists.
password_reset_urls = [
    path("admin/password-reset/", PasswordResetView.as_view(), name="admin_password_reset"),
    path("admin/password-reset/sent/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("admin/password-reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("admin/password-reset/done/", PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
