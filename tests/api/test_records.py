"""Runs, the audit trail and pending records over the API, and replaying what a run could not write."""
from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from audit.services import audit_record
from syncs.models import IdMap, PendingRecord, SyncRun
from tests.api.conftest import PERSONAL


@pytest.fixture
def api(client_for, owner):
    return client_for(owner)


def url(tenant, name, **kwargs):
    return reverse(f"api:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


def test_runs_are_filtered_by_integration_and_status(api, objects):
    queued = SyncRun.objects.create(tenant=objects.tenant, integration=objects.integration)
    runs = url(objects.tenant, "runs")
    assert [r["id"] for r in api.get(runs).json()["results"]] == [queued.pk, objects.run.pk]
    assert [r["id"] for r in api.get(runs + "?status=partial").json()["results"]] == [objects.run.pk]
    assert [r["id"] for r in api.get(runs + "?trigger=schedule&status=queued").json()["results"]] == [queued.pk]
    assert api.get(runs + f"?integration={objects.integration.pk + 1000}").json()["count"] == 0
    assert api.get(runs + "?status=exploded").status_code == 400


def test_a_run_shows_its_counts_and_audit_outcomes(api, objects):
    audit_record(tenant=objects.tenant, integration=objects.integration, run=objects.run, stream="people",
                 source_ref="E3", action=AuditRecord.Action.CREATE, outcome=AuditRecord.Outcome.OK)
    body = api.get(url(objects.tenant, "run", pk=objects.run.pk)).json()
    assert (body["read"], body["created"], body["held"], body["failed"]) == (3, 1, 1, 1)
    assert body["outcomes"] == {"ok": 1, "held": 1, "failed": 0, "dry_run": 0}


def test_audit_records_are_filtered_and_never_show_payloads(api, objects):
    audit_record(tenant=objects.tenant, integration=objects.integration, run=objects.run, stream="teams",
                 source_ref="T1", action=AuditRecord.Action.CREATE, outcome=AuditRecord.Outcome.OK,
                 payload={"name": PERSONAL})
    records = url(objects.tenant, "audit-records")
    assert api.get(records).json()["count"] == 2
    for query, expected in [("?outcome=held", ["E1"]), ("?action=create", ["T1"]), ("?stream=teams", ["T1"]),
                            ("?source_ref=E1", ["E1"]), (f"?run={objects.run.pk}", ["T1", "E1"]),
                            (f"?integration={objects.integration.pk}&outcome=ok", ["T1"])]:
        assert [r["source_ref"] for r in api.get(records + query).json()["results"]] == expected, query
    response = api.get(url(objects.tenant, "audit-record", pk=objects.audit.pk))
    assert response.json()["mapping_used"] == {"missing": "department_to_cost_center:Engineering"}
    assert "payload" not in response.json()
    assert PERSONAL not in api.get(records).content.decode() + response.content.decode()


def test_pending_records_list_the_unresolved_without_payloads(api, objects):
    PendingRecord.objects.create(tenant=objects.tenant, integration=objects.integration, stream="people",
                                 source_id="E9", status=PendingRecord.Status.RESOLVED, payload={"name": PERSONAL})
    pending = url(objects.tenant, "pending-records")
    response = api.get(pending)
    assert [p["source_id"] for p in response.json()["results"]] == ["E2", "E1"]
    assert PERSONAL not in response.content.decode()
    first = response.json()["results"][1]
    assert set(first) == {"id", "integration", "stream", "source_id", "status", "reason", "missing_key", "attempts",
                          "last_run", "created_at", "updated_at"}
    assert first["missing_key"] == "department_to_cost_center:Engineering"
    for query, expected in [("?status=held", ["E1"]), ("?status=resolved", ["E9"]), ("?source_id=E2", ["E2"]),
                            ("?missing_key=department_to_cost_center:Engineering", ["E1"]),
                            (f"?run={objects.run.pk}", ["E2", "E1"]), ("?stream=teams", [])]:
        assert [p["source_id"] for p in api.get(pending + query).json()["results"]] == expected, query


def test_replaying_selected_records_writes_them_and_reports_the_run(api, objects):
    response = api.post(url(objects.tenant, "integration-replay", pk=objects.integration.pk),
                        {"pending_ids": [objects.failed.pk, objects.held.pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["trigger"] == "replay"
    assert body["status"] == "partial"  # E2 written; E1 still lacks its department mapping
    assert (body["read"], body["created"], body["held"]) == (2, 1, 1)
    objects.failed.refresh_from_db()
    assert objects.failed.status == PendingRecord.Status.RESOLVED
    assert IdMap.objects.get(integration=objects.integration, source_id="E2").target_id == "T-E2"
    assert PendingRecord.objects.get(pk=objects.held.pk).status == PendingRecord.Status.HELD


def test_replaying_a_run_replays_what_it_left(api, objects, client_for, owner):
    api.post(url(objects.tenant, "value-mappings", integration_id=objects.integration.pk),
             {"map_name": "department_to_cost_center", "source_value": "Engineering", "target_value": "200"})
    response = api.post(url(objects.tenant, "integration-replay", pk=objects.integration.pk),
                        {"run_id": objects.run.pk})
    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert response.json()["created"] == 2
    assert not PendingRecord.objects.exclude(status=PendingRecord.Status.RESOLVED).exists()


def test_replaying_twice_updates_never_duplicates(api, objects):
    target = url(objects.tenant, "integration-replay", pk=objects.integration.pk)
    assert api.post(target, {"pending_ids": [objects.failed.pk]}).json()["created"] == 1
    # Resolved now: a second replay of it is refused as nothing to replay.
    response = api.post(target, {"pending_ids": [objects.failed.pk]})
    assert response.status_code == 400
    assert IdMap.objects.filter(integration=objects.integration, source_id="E2").count() == 1


def test_a_destination_that_refuses_again_leaves_the_record_failed(api, objects):
    objects.failed.payload = {**objects.failed.payload, "destination": "refuses"}
    objects.failed.save()
    body = api.post(url(objects.tenant, "integration-replay", pk=objects.integration.pk),
                    {"pending_ids": [objects.failed.pk]}).json()
    assert (body["status"], body["failed"]) == ("partial", 1)
    objects.failed.refresh_from_db()
    assert objects.failed.status == PendingRecord.Status.FAILED and objects.failed.attempts == 2


def test_an_unavailable_destination_answers_503(api, objects):
    objects.failed.payload = {**objects.failed.payload, "destination": "down"}
    objects.failed.save()
    response = api.post(url(objects.tenant, "integration-replay", pk=objects.integration.pk),
                        {"pending_ids": [objects.failed.pk]})
    assert response.status_code == 503
    assert "Visma.net answered 503" in response.json()["detail"]
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY).get().status == SyncRun.Status.FAILED


@pytest.mark.parametrize("body, field", [
    ({}, "non_field_errors"),
    ({"pending_ids": [1], "run_id": 1}, "non_field_errors"),
    ({"pending_ids": []}, "pending_ids"),
    ({"pending_ids": [2**64]}, "pending_ids"),
    ({"run_id": 987654}, "run_id"),
])
def test_a_replay_needs_exactly_one_valid_selection(api, objects, body, field):
    response = api.post(url(objects.tenant, "integration-replay", pk=objects.integration.pk), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY).exists()
