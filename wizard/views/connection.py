"""The source and destination steps: choose or create a connection, enter its credentials, and test it.

A test's result survives the redirect after the POST in the session, under TEST_RESULT_KEY.
"""
from __future__ import annotations

import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from connections.installs import connection_installable
from connections.models import Connection
from connections.vendors import get_vendor
from wizard import services
from wizard.forms import connection_step_form
from wizard.selectors import draft_connection_get, draft_connections
from wizard.services import WizardError, connection_passed, role_kind
from wizard.views.base import WizardView

TEST_RESULT_KEY = "wizard-test-{draft}-{role}"


class ConnectionView(WizardView):
    """Choose or create the source (or destination) connection, enter its credentials, and test it."""

    template_name = "wizard/connection.html"
    role = ""

    @property
    def step(self):
        return self.role

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.title = f"Connect the {self.role}"

    def kind(self) -> str:
        return role_kind(self.draft, self.role)

    def chosen(self) -> Connection | None:
        """The connection the page is about: ?connection=<id> (of this tenant and vendor) or =new, else the
        draft's, else the tenant's first one of the vendor; None means a new one."""
        wanted = self.request.GET.get("connection", "")
        if wanted == "new":
            return None
        if wanted:
            connection = (draft_connection_get(draft=self.draft, kind=self.kind(), pk=int(wanted))
                          if wanted.isdigit() else None)
            if connection is None:
                raise Http404("No such connection.")
            return connection
        return getattr(self.draft, self.role) or draft_connections(draft=self.draft, kind=self.kind()).first()

    def form(self, connection: Connection | None, data=None):
        vendor = get_vendor(self.kind())
        # The form gets its own copy: a ModelForm writes cleaned values onto its instance, and the
        # service compares the typed values with the stored connection.
        instance = (copy.copy(connection) if connection is not None
                    else Connection(tenant=self.draft.tenant, kind=vendor.kind))
        return connection_step_form(vendor, self.draft.tenant)(data, instance=instance)

    def context(self, connection, form) -> dict:
        vendor = get_vendor(self.kind())
        return {
            "role": self.role, "vendor": vendor, "form": form, "connection": connection,
            "connections": draft_connections(draft=self.draft, kind=vendor.kind),
            "result": self.request.session.pop(TEST_RESULT_KEY.format(draft=self.draft.pk, role=self.role), None),
            "passed": connection_passed(connection) and getattr(self.draft, f"{self.role}_id") == connection.pk,
            "next_url": self.step_url(self.next_step()),
            # Vendors with a sign-in (Rippling App Shop installs) also offer "Connect <vendor>" for a saved connection.
            "install_label": (f"Connect {vendor.label}" if connection is not None
                              and connection_installable(connection=connection) else ""),
            "install_url": (reverse(f"{self.admin_site.name}:connections_connection_connect", args=[connection.pk])
                            if connection is not None else ""),
            "here": f"{self.step_url(self.role)}?connection={connection.pk}" if connection is not None else "",
        }

    def get(self, request):
        connection = self.chosen()
        return self.render(self.context(connection, self.form(connection)))

    def post(self, request):
        connection = self.chosen()
        form = self.form(connection, request.POST)
        if not form.is_valid():
            return self.render(self.context(connection, form), status=400)
        try:
            connection = services.draft_connection_save(
                draft=self.draft, role=self.role, connection=connection, name=form.cleaned_data["name"],
                base_url=form.cleaned_data["base_url"], credentials=form.credentials(), config=form.config(),
                actor=request.user)
            result = services.draft_connection_test(draft=self.draft, role=self.role, actor=request.user)
        except WizardError as error:
            messages.error(request, str(error))
            return redirect(self.step_url(self.role))
        request.session[TEST_RESULT_KEY.format(draft=self.draft.pk, role=self.role)] = {
            "ok": result.ok, "message": result.message}
        return redirect(f"{self.step_url(self.role)}?connection={connection.pk}")
