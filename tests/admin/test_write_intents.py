"""Write intents in the customer admin: read-only, tenant-scoped, filtered by state and integration; managers
can have `sent` ones (outcome unknown) reconciled now; viewers and outsiders cannot."""
import pytest
from django.urls import reverse

from syncs.models import IdMap, SyncRun, WriteIntent
from tests.admin.page import messages_of
from tests.e2e.test_rippling_visma import map_all_departments, run

CHANGELIST = "customer_admin:syncs_writeintent_changelist"


@pytest.fixture
def unknown(integration, rippling, visma):
    """A synced integration one of whose employee writes is left `sent`, its id-map row gone: as if the worker
    died between Visma's 201 and our commit, and the record were never read again."""
    map_all_departments(integration, rippling)
    run(integration)
    intent = WriteIntent.objects.filter(integration=integration, stream="employees").order_by("pk")[0]
    WriteIntent.objects.filter(pk=intent.pk).update(state=WriteIntent.State.SENT, settled_at=None, target_id="")
    IdMap.objects.filter(integration=integration, stream="employees", source_id=intent.source_id).delete()
    return WriteIntent.objects.get(pk=intent.pk)


def reconcile(client, intent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(CHANGELIST), {"action": "reconcile_now", "_selected_action": [intent.pk]},
                           follow=True)


def test_an_owner_reconciles_a_sent_write_and_it_is_confirmed_not_written_again(
        client, owner, unknown, visma, eager_tasks, django_capture_on_commit_callbacks):
    client.force_login(owner)
    employees = len(visma.data.tables["employees"].ordered()[0])

    page = reconcile(client, unknown, django_capture_on_commit_callbacks)

    assert "1 write(s) of unknown outcome queued for reconciliation in 1 run(s)" in " ".join(messages_of(page))
    unknown.refresh_from_db()
    assert unknown.state == WriteIntent.State.CONFIRMED and unknown.target_id
    assert IdMap.objects.get(integration=unknown.integration, source_id=unknown.source_id).target_id == \
        unknown.target_id
    assert len(visma.data.tables["employees"].ordered()[0]) == employees  # found by its number, not re-posted
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY).get().status == SyncRun.Status.SUCCEEDED


def test_the_list_filters_by_state_and_integration_and_the_page_is_read_only(client, owner, unknown):
    client.force_login(owner)

    sent = client.get(reverse(CHANGELIST), {"state": "sent", "integration": unknown.integration_id})
    other = client.get(reverse(CHANGELIST), {"integration": unknown.integration_id + 1000})
    page = client.get(reverse("customer_admin:syncs_writeintent_change", args=[unknown.pk]))

    assert list(sent.context["cl"].result_list) == [unknown]
    assert list(other.context["cl"].result_list) == []
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert unknown.payload["contact"]["email"] not in page.content.decode()  # the payload is never shown
    assert client.get(reverse("customer_admin:syncs_writeintent_add")).status_code == 403


def test_a_viewer_sees_writes_but_cannot_reconcile(client, member, unknown, eager_tasks,
                                                   django_capture_on_commit_callbacks):
    client.force_login(member)

    assert unknown in list(client.get(reverse(CHANGELIST)).context["cl"].result_list)
    reconcile(client, unknown, django_capture_on_commit_callbacks)

    unknown.refresh_from_db()
    assert unknown.state == WriteIntent.State.SENT and not SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY)


def test_an_outsider_neither_sees_nor_reconciles_another_tenants_writes(client, outsider, unknown, eager_tasks,
                                                                        django_capture_on_commit_callbacks):
    client.force_login(outsider)

    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == []
    page = client.get(reverse("customer_admin:syncs_writeintent_change", args=[unknown.pk]), follow=True)
    assert unknown.key not in page.content.decode()
    reconcile(client, unknown, django_capture_on_commit_callbacks)

    unknown.refresh_from_db()
    assert unknown.state == WriteIntent.State.SENT and not SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY)
