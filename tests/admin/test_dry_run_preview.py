"""The dashboard's dry run (and the wizard's preview, which shares it): a table per stream with names, an
update as before → after read from Visma, the fix link on each held row, and a warning for a second
integration between the same connections. A record's story shows the same diff."""
import pytest
from django.urls import reverse

from audit.models import AuditRecord
from syncs.models import SyncRun, ValueMapping
from syncs.services import integration_create
from tests.admin.conftest import workers_in
from tests.admin.page import find, find_all


def dry_run_url(integration):
    return reverse("customer_admin:syncs_integration_dry_run", args=[integration.pk])


def row_html(html: str, source_id: str) -> str:
    start = html.index(f'data-source-id="{source_id}"')
    end = html.find('data-test="preview-row"', start)
    return html[start:end if end > 0 else None]


@pytest.fixture
def remapped(synced, visma, rippling):
    """The mapped department now goes to HR, and someone renamed one of its employees in Visma by hand."""
    ValueMapping.objects.filter(integration=synced.integration, source_value=synced.mapped["id"]).update(
        target_value="HR")
    worker = workers_in(rippling, synced.mapped["id"])[0]
    number = str(int(worker["number"]))
    visma.data.tables["employees"].get(number)["contact"]["firstName"] = "Hand-edited"
    return synced, worker, number


def test_the_dry_run_shows_each_update_as_before_and_after_from_the_destination(client, owner, remapped, visma):
    synced, worker, number = remapped
    client.force_login(owner)
    writes_before = len([e for e in visma.data.tables["employees"].ordered()[0]])

    response = client.post(dry_run_url(synced.integration), {"limit": 20, "from_start": "on"}, follow=True)

    assert response.status_code == 200
    run = SyncRun.objects.filter(integration=synced.integration, dry_run=True).latest("pk")
    assert run.status in ("succeeded", "partial") and run.error == ""
    assert {t["data-stream"] for t in find_all(response, data_test="preview-stream")} == {"departments", "employees"}
    row = find(response, data_test="preview-row", data_stream="employees", data_source_id=worker["user_id"])
    assert row["data-action"] == "update"
    html = response.content.decode()
    diff = row_html(html, worker["user_id"])
    assert 'data-basis="destination"' in diff
    assert 'data-field="department"' in diff and "<del>IT</del>" in diff and "<ins>HR</ins>" in diff
    assert "<del>Hand-edited</del>" in diff, "the before comes from Visma, not from what we last wrote"
    assert "<ins>Hand-edited</ins>" not in diff
    # Every written record is named, unchanged ones as they were last written (the dry run carries no payload).
    names = [n.text.strip() for n in find_all(response, data_test="preview-name")]
    unchanged = find_all(response, data_test="preview-row", data_action="unchanged")
    assert unchanged and all(not n.startswith("65a0") for n in names), names
    # The held department's employees and the department itself link to the pre-filled mapping form.
    held = find_all(response, data_test="preview-row", data_action="hold")
    fixes = find_all(response, data_test="preview-fix")
    assert held and len(fixes) == len(held)
    assert f"source_value={synced.unmapped['id']}" in fixes[0]["href"]
    assert len(visma.data.tables["employees"].ordered()[0]) == writes_before  # nothing written
    assert visma.data.tables["employees"].get(number)["department"] == "IT"


def test_a_second_integration_between_the_same_connections_is_warned_of(client, owner, synced):
    integration = synced.integration
    integration_create(tenant=integration.tenant, name="HR → ERP again", flow_kind=integration.flow_kind,
                       source=integration.source, destination=integration.destination)
    client.force_login(owner)
    response = client.post(dry_run_url(integration), {"limit": 2}, follow=True)
    warning = find(response, data_test="preview-overlap")
    assert warning["role"] == "alert"
    assert "HR → ERP again" in response.content.decode()


def test_the_story_of_an_updated_record_shows_what_changed(client, owner, remapped):
    from syncs.reapply import mapping_reapply

    synced, worker, number = remapped
    mapping_reapply(mapping=ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"]))
    update = AuditRecord.objects.get(integration=synced.integration, source_ref=worker["user_id"],
                                     action=AuditRecord.Action.UPDATE)
    client.force_login(owner)
    page = client.get(reverse("customer_admin:audit_auditrecord_story", args=[update.pk]))
    html = page.content.decode()
    assert find(page, data_test="story-diff")
    assert 'data-field="department"' in html and "<del>IT</del>" in html and "<ins>HR</ins>" in html


def test_the_dry_run_page_is_for_the_tenant_only_and_runs_for_managers(client, member, outsider, synced):
    url = dry_run_url(synced.integration)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"limit": 2}).status_code == 404
    client.force_login(member)
    page = client.get(url)
    assert page.status_code == 200 and not find_all(page, id="run-dry-run")
    assert client.post(url, {"limit": 2}).status_code == 403
    assert not SyncRun.objects.filter(integration=synced.integration, dry_run=True).exists()
