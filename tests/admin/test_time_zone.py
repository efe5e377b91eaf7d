"""Times in the tenant's time zone, labelled, 24-hour; the operators' site stays in UTC."""
from datetime import datetime, timezone

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from connections.models import Tenant
from syncs.models import SyncRun
from tests.admin.page import find


@pytest.fixture
def afternoon_run(synced):
    """The fixture's run, finished at 13:05 UTC in winter: 14:05 in Oslo (CET), 15:05 in Helsinki (EET)."""
    at = datetime(2026, 1, 15, 13, 5, tzinfo=timezone.utc)
    SyncRun.objects.filter(pk=synced.run.pk).update(queued_at=at, started_at=at, finished_at=at)
    return synced


def run_row_text(client, integration):
    page = client.get(reverse("customer_admin:syncs_integration_dashboard", args=[integration.pk]))
    return find(page, data_test="run-row").text, find(page, data_test="time-zone-note").text


def test_a_new_tenant_shows_times_in_oslo_in_24_hours(client, owner, afternoon_run):
    assert afternoon_run.integration.tenant.time_zone == "Europe/Oslo"
    client.force_login(owner)
    row, note = run_row_text(client, afternoon_run.integration)
    assert "15 Jan 2026, 14:05 CET" in row and "p.m." not in row
    assert note == "Times in Europe/Oslo, 24-hour"


def test_the_tenant_chooses_its_zone(client, owner, afternoon_run):
    Tenant.objects.filter(pk=afternoon_run.integration.tenant_id).update(time_zone="Europe/Helsinki")
    client.force_login(owner)
    row, note = run_row_text(client, afternoon_run.integration)
    assert "15 Jan 2026, 15:05 EET" in row and note == "Times in Europe/Helsinki, 24-hour"


def test_the_operators_site_stays_in_utc(client, afternoon_run):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    page = client.get(reverse("ops_admin:syncs_integration_dashboard", args=[afternoon_run.integration.pk]))
    assert "15 Jan 2026, 13:05 UTC" in find(page, data_test="run-row").text


def test_a_zone_must_be_a_real_one(tenant_a):
    tenant_a.time_zone = "Oslo"
    with pytest.raises(ValidationError, match="not a time zone name"):
        tenant_a.full_clean()


def test_an_owner_sets_the_zone_on_the_company_page_and_an_outsider_cannot(client, owner, outsider, tenant_a):
    url = reverse("customer_admin:connections_tenant_change", args=[tenant_a.pk])
    form = {"name": tenant_a.name, "audit_retention_days": 365, "time_zone": "Europe/Stockholm"}
    client.force_login(outsider)
    client.post(url, form)
    assert Tenant.objects.get(pk=tenant_a.pk).time_zone == "Europe/Oslo"

    client.force_login(owner)
    assert client.post(url, form).status_code == 302
    assert Tenant.objects.get(pk=tenant_a.pk).time_zone == "Europe/Stockholm"
    assert client.post(url, {**form, "time_zone": "Mars/Olympus"}).status_code == 200  # refused, said why
