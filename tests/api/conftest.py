"""API fixtures: token-authenticated clients for the three actors, and one of everything in tenant A."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django_celery_beat.models import PeriodicTask
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditRecord
from audit.services import audit_record
from connections.models import Connection, Membership
from syncs.mapping_services import field_mapping_set
from syncs.models import FieldMapping, Integration, JournalApproval, PendingRecord, SyncRun, ValueMapping
from syncs.services import integration_create, value_mapping_set
from tests.api import replay_flow
from tests.factories import ConnectionFactory

# Values that must never appear in any API response.
SECRET = "sEcReT-never-shown-4711"
PERSONAL = "Kari Nordmann 01017012345"


@pytest.fixture(autouse=True)
def _replay_flow():
    replay_flow.register()
    yield
    replay_flow.unregister()


@pytest.fixture
def client_for(db):
    """A client that authenticates as `user` with a real API token (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def objects(tenant_a, tenant_b, owner, member, outsider, make_sandbox_connection):
    """One of everything in tenant A (and a little in tenant B), secrets and personal data included."""
    source = make_sandbox_connection("rippling", tenant=tenant_a, name="Rippling A")
    destination = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma A", credentials={
        "client_id": "isv_public_client", "client_secret": SECRET, "tenant_id": "tenant-guid-a"})
    spare = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling spare",
                              credentials={"api_key": SECRET})
    integration = integration_create(tenant=tenant_a, name="HR A", flow_kind=replay_flow.KIND, source=source,
                                     destination=destination, every_minutes=30)
    run = SyncRun.objects.create(tenant=tenant_a, integration=integration, status=SyncRun.Status.PARTIAL,
                                 trigger=SyncRun.Trigger.SCHEDULE, read=3, created=1, held=1, failed=1)
    held = PendingRecord.objects.create(
        tenant=tenant_a, integration=integration, stream="people", source_id="E1", status=PendingRecord.Status.HELD,
        missing_key="department_to_cost_center:Engineering", reason="No department mapping for 'Engineering'",
        payload={"id": "E1", "name": PERSONAL, "department": "Engineering"}, last_run=run)
    failed = PendingRecord.objects.create(
        tenant=tenant_a, integration=integration, stream="people", source_id="E2", status=PendingRecord.Status.FAILED,
        reason="Visma.net answered 503.", payload={"id": "E2", "name": PERSONAL, "department": "Sales"}, last_run=run)
    audit = audit_record(tenant=tenant_a, integration=integration, run=run, stream="people", source_ref="E1",
                         action=AuditRecord.Action.HOLD, outcome=AuditRecord.Outcome.HELD,
                         reason="No department mapping for 'Engineering'",
                         mapping_used={"missing": "department_to_cost_center:Engineering"},
                         payload={"id": "E1", "name": PERSONAL, "api_key": SECRET})
    value_mapping = value_mapping_set(integration=integration, map_name="department_to_cost_center",
                                      source_value="Sales", target_value="300")
    field_mapping, _ = field_mapping_set(integration=integration, stream="people", target_field="name",
                                         source_field="display_name")

    approval = JournalApproval.objects.create(
        tenant=tenant_a, integration=integration, stream="pay_runs", source_id="NO-MONTHLY:2026-11-25",
        content_hash="0" * 64, journal={"journalTransactionLines": [
            {"accountNumber": "7010", "transactionDescription": "Pay 5010", "debitAmountInCurrency": 100.0,
             "subaccount": [{"segmentId": 1, "segmentValue": "10"}, {"segmentId": 2, "segmentValue": "5010"}]}]})
    b_connection = ConnectionFactory(tenant=tenant_b, kind="rippling", name="Rippling B",
                                     credentials={"api_key": SECRET})
    return SimpleNamespace(
        tenant=tenant_a, source=source, destination=destination, spare=spare, integration=integration, run=run,
        held=held, failed=failed, audit=audit, value_mapping=value_mapping, field_mapping=field_mapping,
        b_connection=b_connection, viewer=Membership.objects.get(tenant=tenant_a, user=member), approval=approval,
    )


def snapshot() -> dict:
    """Everything an API write could change, to assert that a refused request changed nothing."""
    return {
        "connections": list(Connection.objects.order_by("pk").values_list(
            "pk", "tenant_id", "name", "base_url", "config", "status", "last_tested_at", "last_error")),
        "credentials": [c.credentials for c in Connection.objects.order_by("pk")],
        "integrations": list(Integration.objects.order_by("pk").values_list(
            "pk", "name", "enabled", "every_minutes", "cron", "streams", "options", "source_id", "destination_id")),
        "value_mappings": list(ValueMapping.objects.order_by("pk").values_list(
            "pk", "map_name", "source_value", "target_value")),
        "field_mappings": list(FieldMapping.objects.order_by("pk").values_list(
            "pk", "stream", "target_field", "source_field", "value_map", "default")),
        "runs": list(SyncRun.objects.order_by("pk").values_list("pk", "status")),
        "pending": list(PendingRecord.objects.order_by("pk").values_list("pk", "status", "attempts")),
        "audit": AuditRecord.objects.count(),
        "periodic_tasks": list(PeriodicTask.objects.order_by("pk").values_list("pk", "enabled")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "tenant_id", "user_id", "role")),
        "approvals": list(JournalApproval.objects.order_by("pk").values_list("pk", "status", "decided_by_id")),
    }
