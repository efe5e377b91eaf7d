"""Every tenant endpoint, for the three actors and anonymous: owner and member (viewer) of tenant A,
outsider (owner of tenant B). Refused requests must change nothing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from django.urls import reverse

from syncs.models import PendingRecord
from tests.api.conftest import snapshot


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # URL name in api/urls.py
    ids: Callable = lambda o: {}  # objects -> URL kwargs besides the tenant
    body: Callable | None = None  # objects -> request body
    owner_status: int = 200
    query: str = ""

    @property
    def writes(self) -> bool:
        return self.method != "get"

    def url(self, objects, tenant=None) -> str:
        kwargs = {"tenant_slug": (tenant or objects.tenant).slug, **self.ids(objects)}
        return reverse(f"api:{self.route}", kwargs=kwargs) + self.query

    def call(self, client, objects, tenant=None):
        kwargs = {"data": self.body(objects)} if self.body else {}
        return getattr(client, self.method)(self.url(objects, tenant), **kwargs)

    def __str__(self):
        return f"{self.method.upper()} {self.route}"


def integration(o):
    return {"integration_id": o.integration.pk}


ENDPOINTS = [
    Endpoint("get", "connections"),
    Endpoint("post", "connections", body=lambda o: {
        "kind": "rippling", "name": "Rippling new", "credentials": {"api_key": "rpl_new"}}, owner_status=201),
    Endpoint("get", "connection", lambda o: {"pk": o.destination.pk}),
    Endpoint("patch", "connection", lambda o: {"pk": o.destination.pk},
             lambda o: {"name": "Visma renamed", "credentials": {"client_secret": "replaced"}}),
    Endpoint("delete", "connection", lambda o: {"pk": o.spare.pk}, owner_status=204),
    Endpoint("post", "connection-test", lambda o: {"pk": o.source.pk}),
    Endpoint("get", "integrations"),
    Endpoint("post", "integrations", body=lambda o: {
        "name": "HR 2", "flow_kind": "rippling_visma", "source": o.source.pk, "destination": o.destination.pk},
        owner_status=201),
    Endpoint("get", "integration", lambda o: {"pk": o.integration.pk}),
    Endpoint("patch", "integration", lambda o: {"pk": o.integration.pk},
             lambda o: {"enabled": True, "cron": "0 6 * * 1-5", "every_minutes": None}),
    Endpoint("delete", "integration", lambda o: {"pk": o.integration.pk}, owner_status=204),
    Endpoint("post", "integration-run", lambda o: {"pk": o.integration.pk}, owner_status=202, query="?dry_run=true"),
    Endpoint("post", "integration-replay", lambda o: {"pk": o.integration.pk}, lambda o: {"pending_ids": [o.failed.pk]}),
    Endpoint("get", "value-mappings", integration),
    Endpoint("post", "value-mappings", integration, lambda o: {
        "map_name": "department_to_cost_center", "source_value": "Engineering", "target_value": "200"}),
    Endpoint("get", "value-mapping", lambda o: {**integration(o), "pk": o.value_mapping.pk}),
    Endpoint("delete", "value-mapping", lambda o: {**integration(o), "pk": o.value_mapping.pk}, owner_status=204),
    Endpoint("get", "field-mappings", integration),
    Endpoint("post", "field-mappings", integration, lambda o: {"stream": "teams", "target_field": "code",
                                                               "default": "T"}, owner_status=201),
    Endpoint("get", "field-mapping", lambda o: {**integration(o), "pk": o.field_mapping.pk}),
    Endpoint("delete", "field-mapping", lambda o: {**integration(o), "pk": o.field_mapping.pk}, owner_status=204),
    Endpoint("get", "runs"),
    Endpoint("get", "run", lambda o: {"pk": o.run.pk}),
    Endpoint("get", "audit-records"),
    Endpoint("get", "audit-record", lambda o: {"pk": o.audit.pk}),
    Endpoint("get", "pending-records"),
    Endpoint("get", "journal-approvals"),
    Endpoint("get", "journal-approval", lambda o: {"pk": o.approval.pk}),
    Endpoint("post", "journal-approval-approve", lambda o: {"pk": o.approval.pk}, lambda o: {"note": "ok"}),
    Endpoint("post", "journal-approval-reject", lambda o: {"pk": o.approval.pk}, lambda o: {"note": "twice"}),
    Endpoint("get", "memberships"),
    Endpoint("patch", "membership", lambda o: {"pk": o.viewer.pk}, lambda o: {"role": "admin"}),
    Endpoint("delete", "membership", lambda o: {"pk": o.viewer.pk}, owner_status=204),
]
READS = [e for e in ENDPOINTS if not e.writes]
WRITES = [e for e in ENDPOINTS if e.writes]
# Collections of the tenant itself (no object of tenant A in the URL).
TENANT_COLLECTIONS = {"connections", "integrations", "runs", "audit-records", "pending-records", "memberships",
                      "journal-approvals"}


def test_the_matrix_covers_every_operation_of_every_tenant_route():
    from api.urls import tenant_urls

    operations = {(pattern.name, method) for pattern in tenant_urls
                  for method in ("get", "post", "put", "patch", "delete") if hasattr(pattern.callback.cls, method)}
    assert {(e.route, e.method) for e in ENDPOINTS} == operations


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_it_lets_the_owner_do_everything(client_for, owner, objects, endpoint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = endpoint.call(client_for(owner), objects)
    assert response.status_code == endpoint.owner_status, response.content


@pytest.mark.parametrize("endpoint", READS, ids=str)
def test_it_lets_a_member_read(client_for, member, objects, endpoint):
    assert endpoint.call(client_for(member), objects).status_code == 200


@pytest.mark.parametrize("endpoint", WRITES, ids=str)
def test_it_refuses_writes_from_a_member(client_for, member, objects, endpoint, django_capture_on_commit_callbacks):
    before = snapshot()
    with django_capture_on_commit_callbacks() as queued:
        response = endpoint.call(client_for(member), objects)
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert snapshot() == before
    assert queued == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_it_hides_tenant_a_from_an_outsider(client_for, outsider, objects, endpoint,
                                            django_capture_on_commit_callbacks):
    before = snapshot()
    with django_capture_on_commit_callbacks() as queued:
        response = endpoint.call(client_for(outsider), objects)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such tenant."}
    assert snapshot() == before
    assert queued == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_it_refuses_anonymous_callers(client_for, objects, endpoint):
    before = snapshot()
    response = endpoint.call(client_for(None), objects)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_tenant_a_ids_do_not_exist_under_tenant_b(client_for, outsider, objects, endpoint, tenant_b):
    """The outsider's own tenant slug with tenant A's object ids: nothing of A is found or touched."""
    before = snapshot()
    response = endpoint.call(client_for(outsider), objects, tenant=tenant_b)
    assert "HR A" not in response.content.decode() and "Visma A" not in response.content.decode()
    if endpoint.route in TENANT_COLLECTIONS:
        return  # tenant B's own collections, covered by the tests below
    assert response.status_code == 404, response.content
    assert snapshot() == before


def test_an_outsider_cannot_wire_tenant_a_connections_into_own_integration(client_for, outsider, objects, tenant_b):
    response = client_for(outsider).post(reverse("api:integrations", kwargs={"tenant_slug": tenant_b.slug}), {
        "name": "Stolen", "flow_kind": "rippling_visma", "source": objects.source.pk,
        "destination": objects.destination.pk})
    assert response.status_code == 400
    assert response.json()["source"] == [f"No connection {objects.source.pk} in this tenant."]
    assert not tenant_b.integrations.exists()


def test_an_outsider_cannot_replay_tenant_a_records_from_own_integration(client_for, outsider, objects, tenant_b):
    from syncs.services import integration_create
    from tests.api import replay_flow
    from tests.factories import ConnectionFactory

    own = integration_create(
        tenant=tenant_b, name="B", flow_kind=replay_flow.KIND,
        source=ConnectionFactory(tenant=tenant_b, kind="rippling", credentials={"api_key": "k"}),
        destination=ConnectionFactory(tenant=tenant_b, kind="visma"))
    url = reverse("api:integration-replay", kwargs={"tenant_slug": tenant_b.slug, "pk": own.pk})
    response = client_for(outsider).post(url, {"pending_ids": [objects.failed.pk]})
    assert response.status_code == 400
    response = client_for(outsider).post(url, {"run_id": objects.run.pk})
    assert response.status_code == 400
    assert PendingRecord.objects.get(pk=objects.failed.pk).status == PendingRecord.Status.FAILED


def test_lists_show_only_the_url_tenant(client_for, owner, outsider, objects, tenant_b):
    mine = client_for(owner).get(reverse("api:connections", kwargs={"tenant_slug": objects.tenant.slug})).json()
    assert {c["name"] for c in mine["results"]} == {"Rippling A", "Visma A", "Rippling spare"}
    theirs = client_for(outsider).get(reverse("api:connections", kwargs={"tenant_slug": tenant_b.slug})).json()
    assert [c["name"] for c in theirs["results"]] == ["Rippling B"]


def test_an_inactive_tenant_is_not_found_even_by_its_owner(client_for, owner, objects):
    objects.tenant.is_active = False
    objects.tenant.save()
    response = client_for(owner).get(reverse("api:connections", kwargs={"tenant_slug": objects.tenant.slug}))
    assert response.status_code == 404


def test_session_authentication_works_too(client, owner, objects):
    client.force_login(owner)
    response = client.get(reverse("api:integrations", kwargs={"tenant_slug": objects.tenant.slug}))
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "HR A"
