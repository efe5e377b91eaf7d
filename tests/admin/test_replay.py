"""Replaying from the admin: one record, a selection, a run's failures. Never a duplicate in Visma."""
import pytest
from django.urls import reverse

from audit.models import AuditRecord
from syncs.models import IdMap, PendingRecord, SyncRun
from tests.admin.conftest import fix_ghost_mapping, visma_employees, workers_in
from tests.admin.page import find, find_all, messages_of


def replay_one(pending):
    return reverse("customer_admin:syncs_pendingrecord_replay", args=[pending.pk])


def replay_run(run):
    return reverse("customer_admin:syncs_syncrun_replay", args=[run.pk])


def select(pending_records):
    return {"action": "replay", "_selected_action": [p.pk for p in pending_records]}


CHANGELIST = "customer_admin:syncs_pendingrecord_changelist"


def employee_numbers(visma) -> list[str]:
    return sorted(e["employeeNumber"] for e in visma_employees(visma))


def status_of(pending) -> str:
    pending.refresh_from_db()
    return pending.status


def test_replaying_one_record_writes_it_once(client, owner, synced, visma, rippling):
    client.force_login(owner)
    pending = synced.failed[0]
    fix_ghost_mapping(synced)
    before = employee_numbers(visma)
    page = client.get(reverse("customer_admin:syncs_pendingrecord_change", args=[pending.pk]))
    assert find(page, id="replay-record")

    response = client.post(replay_one(pending), follow=True)

    assert response.redirect_chain[-1][0] == reverse("customer_admin:syncs_pendingrecord_change", args=[pending.pk])
    assert "replayed 1 record(s)" in messages_of(response)[0]
    assert "1 now succeeded (1 created, 0 updated, 0 unchanged), 0 still failing, 0 still held" in \
        messages_of(response)[0]
    assert status_of(pending) == PendingRecord.Status.RESOLVED
    after = employee_numbers(visma)
    assert len(after) == len(before) + 1
    target = IdMap.objects.get(integration=synced.integration, source_id=pending.source_id).target_id
    assert after.count(target) == 1

    again = client.post(replay_one(pending), follow=True)  # a second click changes nothing
    assert "already written" in messages_of(again)[0]
    assert employee_numbers(visma) == after


def test_replaying_from_the_story_page_returns_to_it(client, owner, synced):
    client.force_login(owner)
    pending = synced.failed[0]
    row = AuditRecord.objects.get(run=synced.run, source_ref=pending.source_id)
    story = reverse("customer_admin:audit_auditrecord_story", args=[row.pk])
    assert find(client.get(story), id="replay-record")

    response = client.post(replay_one(pending), {"next": story}, follow=True)

    assert response.redirect_chain[-1][0] == story
    assert len(find_all(response, data_test="story-row")) == 2  # the first failure and this replay's


def test_a_replay_that_still_fails_says_why(client, owner, synced, visma):
    client.force_login(owner)  # the mapping is not fixed: Visma refuses again
    before = employee_numbers(visma)

    response = client.post(reverse(CHANGELIST), select(synced.failed), follow=True)

    summary, reasons = messages_of(response)
    assert f"replayed {len(synced.failed)} record(s)" in summary and "0 now succeeded" in summary
    assert f"{len(synced.failed)} still failing" in summary
    pending = synced.failed[0]
    assert f"Still not written: employees:{pending.source_id} (failed at the destination): Visma.net answered" \
        in reasons
    assert status_of(pending) == PendingRecord.Status.FAILED and pending.attempts == 2
    assert employee_numbers(visma) == before


def test_replaying_a_selection_reports_each_outcome(client, owner, synced, visma, rippling):
    client.force_login(owner)
    fix_ghost_mapping(synced)
    before = employee_numbers(visma)
    selection = synced.failed + synced.held

    response = client.post(reverse(CHANGELIST), select(selection), follow=True)

    summary = messages_of(response)[0]
    written = len(synced.failed)
    assert (f"replayed {len(selection)} record(s) in run #" in summary
            and f"{written} now succeeded ({written} created, 0 updated, 0 unchanged), 0 still failing, "
                f"{len(synced.held)} still held." in summary)
    assert "Still not written" in messages_of(response)[1] and "held" in messages_of(response)[1]
    assert len(employee_numbers(visma)) == len(before) + written

    client.post(reverse(CHANGELIST), select(selection), follow=True)  # the still-held ones again: no writes
    assert len(employee_numbers(visma)) == len(before) + written
    assert len(set(employee_numbers(visma))) == len(employee_numbers(visma))


def test_replaying_a_runs_failures(client, owner, synced, visma, rippling):
    client.force_login(owner)
    fix_ghost_mapping(synced)
    run_page = reverse("customer_admin:syncs_syncrun_change", args=[synced.run.pk])
    left = len(synced.failed) + len(synced.held)
    button = find(client.get(run_page), id="replay-run-failures")
    assert f"Replay this run's {left} failed or held record" in button.text

    response = client.post(replay_run(synced.run), follow=True)

    assert response.redirect_chain[-1][0] == run_page
    assert f"replayed {left} record(s)" in messages_of(response)[0]
    replay = SyncRun.objects.latest("pk")
    assert replay.trigger == SyncRun.Trigger.REPLAY and replay.created == len(synced.failed)
    assert all(status_of(p) == PendingRecord.Status.RESOLVED for p in synced.failed)
    assert all(status_of(p) == PendingRecord.Status.HELD for p in synced.held)
    expected = len(workers_in(rippling, synced.mapped["id"])) + len(workers_in(rippling, synced.ghost["id"]))
    assert len(employee_numbers(visma)) == expected

    # The held records now belong to the replay run; the first run has nothing left to replay.
    assert not find_all(client.get(run_page), id="replay-run-failures")
    again = client.post(replay_run(synced.run), follow=True)
    assert "nothing left to replay" in messages_of(again)[0]
    assert len(employee_numbers(visma)) == expected


@pytest.mark.parametrize("actor, status", [("member", 403), ("outsider", 404)])
def test_replays_are_refused_to_viewers_and_outsiders(client, request, synced, visma, actor, status):
    client.force_login(request.getfixturevalue(actor))
    fix_ghost_mapping(synced)
    before = (employee_numbers(visma), SyncRun.objects.count())
    pending = synced.failed[0]

    assert client.post(replay_one(pending)).status_code == status
    assert client.post(replay_run(synced.run)).status_code == status
    client.post(reverse(CHANGELIST), select(synced.failed))

    assert (employee_numbers(visma), SyncRun.objects.count()) == before
    assert status_of(pending) == PendingRecord.Status.FAILED and pending.attempts == 1


def test_a_viewer_is_not_offered_replays(client, member, synced):
    client.force_login(member)
    changelist = client.get(reverse(CHANGELIST))
    action_form = changelist.context["action_form"]
    assert action_form is None or "replay" not in dict(action_form.fields["action"].choices)
    run_page = client.get(reverse("customer_admin:syncs_syncrun_change", args=[synced.run.pk]))
    assert not find_all(run_page, id="replay-run-failures")
    pending_page = client.get(reverse("customer_admin:syncs_pendingrecord_change", args=[synced.failed[0].pk]))
    assert not find_all(pending_page, id="replay-record")


def test_the_held_list_links_to_creating_the_mapping(client, owner, synced):
    client.force_login(owner)
    page = client.get(reverse(CHANGELIST), {"integration": synced.integration.pk, "status__exact": "held"})
    links = find_all(page, data_test="create-missing-mapping")
    assert len(links) == len(synced.held)
    assert all(f"source_value={synced.unmapped['id']}" in link["href"] for link in links)


def test_a_viewer_is_told_who_can_create_the_mapping(client, member, synced):
    client.force_login(member)
    page = client.get(reverse(CHANGELIST), {"integration": synced.integration.pk, "status__exact": "held"})
    assert not find_all(page, data_test="create-missing-mapping")
    assert "an owner or admin of the company can create it" in page.content.decode()
