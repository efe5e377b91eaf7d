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
