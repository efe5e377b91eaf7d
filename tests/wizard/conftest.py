"""Driving the setup wizard with Django's test client, against the vendor sandboxes over real HTTP."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.setup import sandbox_connection_fields
from sandbox.vendors.rippling import DEPARTMENTS

WRONG_API_KEY = "rpl_this_key_was_revoked_0000000000"


def step_url(step: str, draft_id: int) -> str:
    return reverse(f"customer_admin:wizard_{step}", args=[draft_id])


def connection_form(kind: str, sandbox_url: str, name: str, **overrides) -> dict:
    """What a user types on a connection step to point a new connection at the sandbox."""
    fields = sandbox_connection_fields(kind, sandbox_url)
    data = {"name": name, "base_url": fields["base_url"]}
    data.update({f"cred_{k}": v for k, v in fields["credentials"].items()})
    data.update({f"cfg_{k}": v for k, v in fields["config"].items()})
    data.update(overrides)
    return data


def writes(sandbox) -> list:
    """Writes to any vendor (Visma's token requests are POSTs too, but write nothing)."""
    return [e for e in sandbox.app.log.filter(writes_only=True) if "/connect/" not in e.path]


class Wizard:
    """One user walking the wizard; each method is one step, asserting it went where it should."""

    def __init__(self, client, sandbox, tenant):
        self.client, self.sandbox, self.tenant = client, sandbox, tenant
        self.draft_id: int | None = None

    def url(self, step: str) -> str:
        return step_url(step, self.draft_id)

    def start(self, name="HR → ERP", flow_kind="rippling_visma"):
        response = self.client.post(reverse("customer_admin:wizard_start"), {"name": name, "flow_kind": flow_kind,
                                                                           "tenant": self.tenant.pk})
        assert response.status_code == 302, response.content.decode()[:2000]
        self.draft_id = int(re.search(r"/wizard/(\d+)/source/", response["Location"]).group(1))
        return response

    def connect(self, role: str, kind: str, name: str, *, connection="new", **overrides):
        """Save and test a connection on the source/destination step; returns the page shown after."""
        data = connection_form(kind, self.sandbox.url, name, **overrides)
        response = self.client.post(f"{self.url(role)}?connection={connection}", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        return self.client.get(response["Location"])

    def connect_both(self):
        self.connect("source", "rippling", "Rippling")
        self.connect("destination", "visma", "Visma")

    def streams(self, *streams):
        response = self.client.post(self.url("streams"), {"streams": list(streams) or ["departments", "employees"]})
        assert response.status_code == 302, response.content.decode()[:2000]

    def mappings(self, data: dict | None = None):
        page = self.client.get(self.url("mappings"))
        assert page.status_code == 200
        form = page.context["form"]
        posted = {name: form[name].value() or "" for name in form.fields}
        posted.update(data or {})
        response = self.client.post(self.url("mappings"), posted)
        assert response.status_code == 302, response.content.decode()[:3000]
        return page

    def schedule(self, every_minutes=30):
        response = self.client.post(self.url("schedule"), {"every_minutes": every_minutes})
        assert response.status_code == 302

    def preview(self, limit=10):
        response = self.client.post(self.url("preview"), {"limit": limit})
        assert response.status_code == 302
        return self.client.get(self.url("preview"))


def department_targets(page, **targets) -> dict:
    """POST data mapping Rippling departments (by key in DEPARTMENTS) to Visma departments on a mappings page."""
    form = page.context["form"]
    data = {}
    for table in form.value_tables():
        for row in table.rows:
            for key, target in targets.items():
                if row.source_value == DEPARTMENTS[key]:
                    data[row.target.html_name] = target
    return data


@pytest.fixture
def wizard(client, owner, tenant_a, sandbox):
    client.force_login(owner)
    return Wizard(client, sandbox, tenant_a)


@pytest.fixture
def monday_draft(wizard, sandbox):
    """A Visma ↔ monday.com draft with both connections tested against the sandboxes, a few documents in Visma."""
    from connections.vendors.monday.pacing import pacers_forget

    pacers_forget()
    sandbox.app["visma"].seed(employees=0, customers=2, suppliers=2, supplier_invoices=3, customer_invoices=2,
                              purchase_orders=2, payments=0, journal_transactions=0)
    wizard.start(name="AP board", flow_kind="visma_monday")
    wizard.connect("source", "visma", "Visma")
    wizard.connect("destination", "monday", "monday")
    return wizard


@pytest.fixture
def mapped_wizard(wizard):
    """A draft up to the preview: Engineering → IT and People → HR mapped, Platform left unmapped."""
    wizard.start()
    wizard.connect_both()
    wizard.streams()
    page = wizard.client.get(wizard.url("mappings"))
    wizard.mappings(department_targets(page, engineering="IT", people="HR"))
    wizard.schedule(30)
    return wizard
