"""Every admin page, for the three actors: owner and member (viewer) of tenant A, outsider from tenant B."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from audit.models import AuditRecord, ErasureLog
from audit.services import audit_record
from changelog.models import ChangeLogEntry
from connections.models import Connection, Membership, Tenant
from drift.models import DriftReport
from mlconnector.sites import customer_site, ops_site
from notifications.models import Notification, NotificationSettings
from syncs.models import (FieldMapping, InboundEvent, Integration, JournalApproval, PendingRecord, SyncRun,
                          ValueMapping, WriteIntent)
from syncs.services import integration_create
from tests.factories import ConnectionFactory

SECRET = "never-shown-secret-value"


@pytest.fixture
def objects(tenant_a, owner, member):
    source = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling A",
                               credentials={"api_key": SECRET})
    destination = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma A",
                                    credentials={"client_id": "isv_a", "client_secret": SECRET, "tenant_id": "t"})
    integration = integration_create(tenant=tenant_a, name="HR A", flow_kind="rippling_visma", source=source,
                                     destination=destination)
    run = SyncRun.objects.create(tenant=tenant_a, integration=integration)
    record = audit_record(tenant=tenant_a, integration=integration, run=run, action=AuditRecord.Action.CREATE,
                          outcome=AuditRecord.Outcome.OK, source_ref="E1")
    value_mapping = ValueMapping.objects.create(tenant=tenant_a, integration=integration,
                                                map_name="department_to_cost_center", source_value="d1",
                                                target_value="IT")
    field_mapping = FieldMapping.objects.create(tenant=tenant_a, integration=integration, stream="employees",
                                                target_field="contact.phone1", source_field="phone")
    pending = PendingRecord.objects.create(tenant=tenant_a, integration=integration, stream="employees",
                                           source_id="u1", status=PendingRecord.Status.HELD,
                                           missing_key="department_to_cost_center:d2", reason="No cost center",
                                           payload={"id": "w1", "ssn": SECRET})
    event = InboundEvent.objects.create(tenant=tenant_a, connection=source, event_id="n-1", type="employee.updated",
                                        source_ids=["w1"], payload={"ssn": SECRET}, raw_body=f"ssn={SECRET}")
    approval = JournalApproval.objects.create(
        tenant=tenant_a, integration=integration, stream="pay_runs", source_id="NO-MONTHLY:2026-11-25",
        content_hash="0" * 64, journal={"journalTransactionLines": [
            {"accountNumber": "7010", "debitAmountInCurrency": 10.0, "transactionDescription": "Pay 1000",
             "subaccount": [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "1000"}]}]})
    intent = WriteIntent.objects.create(tenant=tenant_a, integration=integration, stream="employees", source_id="u1",
                                        key="k" * 64, content_hash="h", payload={"ssn": SECRET},
                                        state=WriteIntent.State.SENT)
    return {
        JournalApproval: approval,
        WriteIntent: intent,
        InboundEvent: event,
        ValueMapping: value_mapping,
        FieldMapping: field_mapping,
        PendingRecord: pending,
        Tenant: tenant_a,
        ErasureLog: ErasureLog.objects.create(tenant=tenant_a, requested_by_name="owner", person_key="source_id:u9"),
        Membership: Membership.objects.get(user=member),  # the owner's own is protected: test_memberships.py
        Connection: destination,
        Integration: integration,
        SyncRun: run,
        AuditRecord: record,
        DriftReport: DriftReport.objects.create(tenant=tenant_a, integration=integration),
    }


def url(site, model, view, *args):
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


MODELS = [Tenant, Membership, Connection, Integration, SyncRun, AuditRecord, ValueMapping, FieldMapping, PendingRecord,
          InboundEvent, ErasureLog, JournalApproval, WriteIntent, DriftReport]
ADDABLE = {Connection, ValueMapping, FieldMapping}  # integrations are set up in the wizard
DELETABLE = {Connection, Integration, Membership, ValueMapping, FieldMapping}


# Covered for the three actors in their own app's tests (tests/notifications/test_admin.py,
# tests/changelog/test_change_log.py).
# Scoped by user, not tenant: tests/notifications/, tests/api/test_tokens.py.
ELSEWHERE = {NotificationSettings, Notification, TokenProxy, ChangeLogEntry}


def test_the_customer_site_registers_exactly_these_models():
    assert set(customer_site._registry) == set(MODELS) | ELSEWHERE
    assert set(ops_site._registry) >= set(MODELS) | ELSEWHERE


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_owner_sees_and_manages_own_tenant(client, owner, objects, model):
    client.force_login(owner)
    obj = objects[model]

    assert client.get(url(customer_site, model, "changelist")).status_code == 200
    assert client.get(url(customer_site, model, "change", obj.pk)).status_code == 200
    # To the object's change log (or back to its page): Django's History is not shown to customers.
    assert client.get(url(customer_site, model, "history", obj.pk)).status_code == 302
    assert client.get(url(customer_site, model, "add")).status_code == (200 if model in ADDABLE else 403)
    assert client.get(url(customer_site, model, "delete", obj.pk)).status_code == (
        200 if model in DELETABLE else 403)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_member_reads_but_cannot_change(client, member, objects, model):
    client.force_login(member)
    obj = objects[model]

    assert client.get(url(customer_site, model, "changelist")).status_code == 200
    page = client.get(url(customer_site, model, "change", obj.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(url(customer_site, model, "change", obj.pk), {"name": "hijacked"}).status_code == 403
    assert client.get(url(customer_site, model, "add")).status_code == 403
    assert client.get(url(customer_site, model, "delete", obj.pk)).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_outsider_can_neither_read_nor_change(client, outsider, objects, model):
    client.force_login(outsider)
    obj = objects[model]

    listing = client.get(url(customer_site, model, "changelist"))
    assert listing.status_code == 200
    assert obj not in listing.context["cl"].result_list
    for view in ("change", "history", "delete"):
        response = client.get(url(customer_site, model, view, obj.pk))
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert str(obj).encode() not in response.content
    client.post(url(customer_site, model, "change", obj.pk), {"name": "hijacked"})
    client.post(url(customer_site, model, "delete", obj.pk), {"post": "yes"})
    assert model._default_manager.filter(pk=obj.pk).exists()
    if hasattr(obj, "name"):
        obj.refresh_from_db()
        assert obj.name != "hijacked"


@pytest.mark.parametrize("actor", ["owner", "member", "outsider"])
def test_ops_site_is_for_staff_only(client, request, objects, actor):
    client.force_login(request.getfixturevalue(actor))
    for model in MODELS:
        response = client.get(url(ops_site, model, "changelist"))
        assert response.status_code == 302 and "/ops/login/" in response["Location"]


def test_anonymous_is_sent_to_login(client, objects):
    response = client.get(url(customer_site, Connection, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_user_without_a_tenant_cannot_sign_in(client, db):
    get_user_model().objects.create_user("drifter", password="correct horse battery staple")
    response = client.post(reverse("customer_admin:login"),
                           {"username": "drifter", "password": "correct horse battery staple"})
    assert response.status_code == 200
    assert b"does not belong to any active company" in response.content


def test_customer_sign_in_works_for_a_member(client, member):
    response = client.post(reverse("customer_admin:login"),
                           {"username": "member", "password": "correct horse battery staple"})
    assert response.status_code == 302


def test_secrets_are_never_rendered(client, owner, objects):
    client.force_login(owner)
    for model in (Connection, AuditRecord, Integration, PendingRecord, InboundEvent):
        page = client.get(url(customer_site, model, "change", objects[model].pk))
        assert SECRET.encode() not in page.content


def test_outsider_cannot_test_another_tenants_connection(client, outsider, objects):
    client.force_login(outsider)
    response = client.post(url(customer_site, Connection, "test", objects[Connection].pk))
    assert response.status_code == 404
    assert Connection.objects.get(pk=objects[Connection].pk).status == Connection.Status.UNTESTED


def test_member_cannot_test_a_connection(client, member, objects):
    client.force_login(member)
    response = client.post(url(customer_site, Connection, "test", objects[Connection].pk))
    assert response.status_code == 403


def test_outsider_cannot_pick_tenant_a_in_forms(client, outsider, objects, tenant_a):
    client.force_login(outsider)
    page = client.get(url(customer_site, Connection, "add") + "?kind=visma")
    assert page.status_code == 200
    assert "Tenant A" not in page.content.decode()


def test_a_held_record_links_to_creating_its_mapping(client, owner, objects):
    client.force_login(owner)
    page = client.get(url(customer_site, PendingRecord, "changelist")).content.decode()
    assert "Create the missing mapping" in page
    assert "map_name=department_to_cost_center" in page and "source_value=d2" in page

    form = client.get(url(customer_site, ValueMapping, "add") + f"?integration={objects[Integration].pk}"
                      "&map_name=department_to_cost_center&source_value=d2")
    assert form.status_code == 200 and 'value="d2"' in form.content.decode()


def test_outsider_cannot_replay_another_tenants_records(client, outsider, objects):
    client.force_login(outsider)
    pending = objects[PendingRecord]
    client.post(url(customer_site, PendingRecord, "changelist"),
                {"action": "replay", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == PendingRecord.Status.HELD and pending.attempts == 1
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.REPLAY).exists()


# --- the dashboard, progress, story pages and the run/replay operations (issue #6) ----------------------

PAGES = [(Integration, "dashboard"), (Integration, "progress"), (AuditRecord, "story")]
OPERATIONS = [(Integration, "run"), (SyncRun, "replay"), (PendingRecord, "replay")]


@pytest.mark.parametrize("model, view", PAGES, ids=lambda p: getattr(p, "__name__", p))
def test_the_pages_are_for_the_tenants_members_only(client, owner, member, outsider, objects, model, view):
    for user, status in ((owner, 200), (member, 200), (outsider, 404)):
        client.force_login(user)
        response = client.get(url(customer_site, model, view, objects[model].pk))
        assert response.status_code == status, (user.username, response.status_code)
    assert b"HR A" not in response.content


@pytest.mark.parametrize("model, view", OPERATIONS, ids=lambda p: getattr(p, "__name__", p))
def test_runs_and_replays_are_refused_to_viewers_and_outsiders(client, member, outsider, objects, model, view,
                                                               django_capture_on_commit_callbacks):
    def state():
        return (list(SyncRun.objects.values_list("pk", "status")),
                list(PendingRecord.objects.values_list("pk", "status", "attempts")))

    before = state()
    for user, status in ((member, 403), (outsider, 404)):
        client.force_login(user)
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(url(customer_site, model, view, objects[model].pk))
        assert response.status_code == status, (user.username, response.status_code)
        assert not queued
    assert state() == before


def test_the_index_overview_shows_only_the_users_tenant(client, owner, member, outsider, objects):
    for user, shown in ((owner, True), (member, True), (outsider, False)):
        client.force_login(user)
        page = client.get(reverse("customer_admin:index"))
        assert page.status_code == 200
        assert (b'data-test="overview-row"' in page.content) is shown
        assert (b"HR A" in page.content) is shown


@pytest.mark.parametrize("actor", ["owner", "member", "outsider"])
def test_the_ops_pages_are_for_staff_only(client, request, objects, actor):
    client.force_login(request.getfixturevalue(actor))
    for model, view in PAGES + OPERATIONS:
        response = client.post(url(ops_site, model, view, objects[model].pk))
        assert response.status_code == 302 and "/ops/login/" in response["Location"]
