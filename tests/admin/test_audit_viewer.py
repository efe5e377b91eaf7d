"""The audit viewer: filters (the tenant's own runs and integrations only), search, and a record's story."""
from urllib.parse import parse_qs, urlparse

from django.urls import reverse

from audit.models import AuditRecord
from syncs.engine import sync_run_create, sync_run_execute
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import PendingRecord, SyncRun
from syncs.services import integration_create
from tests.admin.conftest import fix_ghost_mapping
from tests.admin.page import find, find_all
from tests.factories import ConnectionFactory

CHANGELIST = "customer_admin:audit_auditrecord_changelist"


def listed(response) -> list[AuditRecord]:
    return list(response.context["cl"].result_list)


def filter_choices(response, title: str) -> list[str]:
    spec = next(s for s in response.context["cl"].filter_specs if s.title == title)
    return [choice[0] for choice in spec.lookup_choices]


def story(record) -> str:
    return reverse("customer_admin:audit_auditrecord_story", args=[record.pk])


def test_it_filters_by_run_stream_outcome_and_action(client, owner, synced, integration):
    client.force_login(owner)
    second = sync_run_execute(run=sync_run_create(integration=integration))
    changelist = reverse(CHANGELIST)

    of_run = listed(client.get(changelist, {"run": synced.run.pk}))
    assert of_run and {r.run_id for r in of_run} == {synced.run.pk}
    assert len(of_run) == AuditRecord.objects.filter(run=synced.run).count()

    assert {r.run_id for r in listed(client.get(changelist, {"run": second.pk}))} <= {second.pk}
    failed = listed(client.get(changelist, {"run": synced.run.pk, "outcome__exact": "failed"}))
    assert {r.source_ref for r in failed} == {p.source_id for p in synced.failed}
    held = listed(client.get(changelist, {"run": synced.run.pk, "action__exact": "hold"}))
    assert {(r.stream, r.source_ref) for r in held} == {(p.stream, p.source_id) for p in synced.held}
    employees = listed(client.get(changelist, {"integration": integration.pk, "stream": "employees"}))
    assert employees and {r.stream for r in employees} == {"employees"}


def test_it_finds_a_record_by_its_source_id(client, owner, synced):
    client.force_login(owner)
    wanted = synced.failed[0].source_id

    found = listed(client.get(reverse(CHANGELIST), {"q": wanted}))

    assert found and {r.source_ref for r in found} == {wanted}


def test_the_run_filter_lists_only_the_tenants_runs(client, owner, outsider, tenant_b, synced):
    b_integration = integration_create(
        tenant=tenant_b, name="B's HR", flow_kind="rippling_visma",
        source=ConnectionFactory(tenant=tenant_b, kind="rippling", credentials={"api_key": "k"}),
        destination=ConnectionFactory(tenant=tenant_b))
    b_run = SyncRun.objects.create(tenant=tenant_b, integration=b_integration)

    client.force_login(owner)
    page = client.get(reverse(CHANGELIST))
    assert filter_choices(page, "run") == [str(synced.run.pk)]
    assert filter_choices(page, "integration") == [str(synced.integration.pk)]

    client.force_login(outsider)
    page = client.get(reverse(CHANGELIST), {"run": synced.run.pk})
    assert filter_choices(page, "run") == [str(b_run.pk)]  # A's run is not offered, even when asked for
    assert filter_choices(page, "integration") == [str(b_integration.pk)]
    assert listed(page) == []
    streams = next(s for s in page.context["cl"].filter_specs if s.title == "stream")
    assert list(streams.lookup_choices) == []  # stream names come from the tenant's own rows


def test_a_failed_records_story_shows_every_attempt_in_order(client, owner, synced, visma):
    client.force_login(owner)
    pending = synced.failed[0]
    fix_ghost_mapping(synced)
    client.post(reverse("customer_admin:syncs_pendingrecord_replay", args=[pending.pk]))
    first = AuditRecord.objects.filter(run=synced.run, source_ref=pending.source_id).get()

    page = client.get(story(first))

    assert page.status_code == 200
    rows = find_all(page, data_test="story-row")
    assert [(r["data-action"], r["data-outcome"]) for r in rows] == [("fail", "failed"), ("create", "ok")]
    assert "Department 'GHOST' does not exist" in rows[0].text  # Visma's own words
    assert '"department": "HR"' in rows[1].text.replace("&quot;", '"')  # the mapped record that was written
    assert '"contact.email": "work_email"' in rows[1].text  # the field mapping used
    assert find(page, data_test="pending-status")["data-value"] == PendingRecord.Status.RESOLVED
    assert not find_all(page, id="replay-record")  # nothing left to replay


def test_a_held_records_story_links_to_a_prefilled_mapping_form(client, owner, synced):
    client.force_login(owner)
    held = next(p for p in synced.held if p.stream == "employees")
    row = AuditRecord.objects.get(run=synced.run, stream="employees", source_ref=held.source_id)

    page = client.get(story(row))

    assert find(page, data_test="pending-status")["data-value"] == "held"
    assert f"department '{synced.unmapped['name']}'" in find(page, data_test="pending-reason").text
    link = find(page, data_test="create-missing-mapping")["href"]
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    assert query == {"integration": str(synced.integration.pk), "map_name": DEPARTMENT_MAP,
                     "source_value": synced.unmapped["id"]}
    form = client.get(link)
    assert form.status_code == 200
    assert form.context["adminform"].form.initial == query
    assert find(page, id="replay-record")  # an owner may replay it once the mapping exists


def test_the_story_is_read_only_for_a_viewer(client, member, synced):
    client.force_login(member)
    row = AuditRecord.objects.filter(run=synced.run, outcome="failed").first()
    page = client.get(story(row))
    assert page.status_code == 200 and find_all(page, data_test="story-row")
    assert not find_all(page, id="replay-record")


def test_every_audit_row_links_to_its_story(client, owner, synced):
    client.force_login(owner)
    page = client.get(reverse(CHANGELIST), {"run": synced.run.pk})
    links = find_all(page, data_test="story-link")
    assert len(links) == AuditRecord.objects.filter(run=synced.run).exclude(source_ref="").count()
    row = AuditRecord.objects.filter(run=synced.run).first()
    change = client.get(reverse("customer_admin:audit_auditrecord_change", args=[row.pk]))
    assert find(change, id="record-story-link")["href"] == story(row)
