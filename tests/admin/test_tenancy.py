"""Tenant B's owner sees nothing of tenant A: not in pages, actions, nor the choices of any filter."""
import pytest
from django.urls import reverse

from audit.models import AuditRecord
from syncs.models import PendingRecord, SyncRun
from tests.admin.page import find_all

# Each changelist asked for tenant A's integration and run by id, with the filters it has.
CHANGELISTS = {"audit_auditrecord": ("integration", "run"), "syncs_pendingrecord": ("integration", "run"),
               "syncs_syncrun": ("integration",), "syncs_integration": (),
               "syncs_writeintent": ("integration",)}


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_filter_choices_hold_nothing_of_another_tenant(client, outsider, synced, changelist):
    client.force_login(outsider)
    ids = {"integration": synced.integration.pk, "run": synced.run.pk}
    page = client.get(reverse(f"customer_admin:{changelist}_changelist"),
                      {name: ids[name] for name in CHANGELISTS[changelist]})

    assert page.status_code == 200 and list(page.context["cl"].result_list) == []
    for spec in page.context["cl"].filter_specs:
        choices = [str(c[0]) for c in getattr(spec, "lookup_choices", [])]
        assert str(synced.run.pk) not in choices or spec.title not in ("run", "last tried in run"), spec.title
        assert str(synced.integration.pk) not in choices or spec.title != "integration", spec.title
        assert synced.integration.name not in str(getattr(spec, "lookup_choices", "")), spec.title
    assert synced.integration.name not in page.content.decode()


def test_every_new_page_and_operation_is_a_404_for_an_outsider(client, outsider, synced, visma):
    client.force_login(outsider)
    pending = synced.failed[0]
    row = AuditRecord.objects.filter(run=synced.run).first()
    pages = [
        reverse("customer_admin:syncs_integration_dashboard", args=[synced.integration.pk]),
        reverse("customer_admin:syncs_integration_progress", args=[synced.integration.pk]),
        reverse("customer_admin:audit_auditrecord_story", args=[row.pk]),
    ]
    operations = [
        reverse("customer_admin:syncs_integration_run", args=[synced.integration.pk]),
        reverse("customer_admin:syncs_syncrun_replay", args=[synced.run.pk]),
        reverse("customer_admin:syncs_pendingrecord_replay", args=[pending.pk]),
    ]
    runs = SyncRun.objects.count()

    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert synced.integration.name.encode() not in response.content
    for url in operations:
        assert client.post(url).status_code == 404, url

    assert SyncRun.objects.count() == runs
    pending.refresh_from_db()
    assert pending.status == PendingRecord.Status.FAILED and pending.attempts == 1


def test_the_outsiders_index_has_no_overview_of_tenant_a(client, outsider, synced):
    client.force_login(outsider)
    index = client.get(reverse("customer_admin:index"))
    assert not find_all(index, data_test="overview-row")
    assert synced.integration.name not in index.content.decode()
