"""The wizard for the three actors: the owner of tenant A uses it (tests/wizard/test_wizard.py and the step files
beside it); the member (a viewer) of tenant A is refused; the outsider from tenant B can neither see nor touch
tenant A's drafts and connections."""
import pytest
from django.urls import reverse

from connections.models import Connection
from syncs.models import Integration, SyncRun, ValueMapping
from syncs.services import integration_create
from tests.factories import ConnectionFactory
from tests.wizard.conftest import step_url
from wizard.models import IntegrationDraft

STEPS = ["source", "destination", "streams", "mappings", "schedule", "preview", "enable"]
SECRET = "never-shown-secret-value"


@pytest.fixture
def draft_a(tenant_a, owner):
    """Tenant A's draft at its last step, with working connections and its disabled integration."""
    source = ConnectionFactory(tenant=tenant_a, kind="rippling", name="Rippling A", credentials={"api_key": SECRET},
                               status=Connection.Status.OK)
    destination = ConnectionFactory(tenant=tenant_a, kind="visma", name="Visma A", status=Connection.Status.OK)
    integration = integration_create(tenant=tenant_a, name="HR A", flow_kind="rippling_visma", source=source,
                                     destination=destination)
    return IntegrationDraft.objects.create(tenant=tenant_a, created_by=owner, name="HR A", flow_kind="rippling_visma",
                                           source=source, destination=destination, integration=integration,
                                           step=IntegrationDraft.Step.ENABLE)


def draft_urls(draft) -> list[str]:
    return [step_url(step, draft.pk) for step in STEPS + ["discard"]]


def assert_untouched(draft):
    assert IntegrationDraft.objects.filter(pk=draft.pk, completed_at__isnull=True).exists()
    integration = Integration.objects.get(pk=draft.integration_id)
    assert not integration.enabled and integration.every_minutes == 15
    assert not SyncRun.objects.exists() and not ValueMapping.objects.exists()
    assert Connection.objects.get(pk=draft.source_id).name == "Rippling A"


def test_the_member_is_refused_everywhere(client, member, draft_a):
    client.force_login(member)

    assert client.get(reverse("customer_admin:wizard_start")).status_code == 403
    sneaky = {"name": "Sneaky", "flow_kind": "rippling_visma", "tenant": draft_a.tenant_id}
    assert client.post(reverse("customer_admin:wizard_start"), sneaky).status_code == 403
    for url in draft_urls(draft_a):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "hijacked", "every_minutes": 1, "limit": 5,
                                 "streams": ["employees"]}).status_code == 403, url
    assert_untouched(draft_a)
    assert IntegrationDraft.objects.count() == 1


def test_the_outsider_cannot_see_or_touch_another_tenants_draft(client, outsider, draft_a):
    client.force_login(outsider)

    start = client.get(reverse("customer_admin:wizard_start"))
    assert start.status_code == 200 and "HR A" not in start.content.decode()
    for url in draft_urls(draft_a):
        response = client.get(url)
        assert response.status_code in (404, 405), url
        assert b"HR A" not in response.content and SECRET.encode() not in response.content
        assert client.post(url, {"name": "hijacked", "every_minutes": 1, "limit": 5,
                                 "streams": ["employees"]}).status_code == 404, url
    assert_untouched(draft_a)


def test_the_outsider_cannot_start_a_draft_in_another_tenant(client, outsider, tenant_a):
    client.force_login(outsider)

    response = client.post(reverse("customer_admin:wizard_start"),
                           {"name": "Planted", "flow_kind": "rippling_visma", "tenant": tenant_a.pk})

    assert response.status_code == 400
    assert not IntegrationDraft.objects.filter(tenant=tenant_a).exists()


def test_the_outsider_cannot_use_another_tenants_connection(client, outsider, tenant_b, draft_a):
    own = IntegrationDraft.objects.create(tenant=tenant_b, created_by=outsider, name="B",
                                          flow_kind="rippling_visma")
    client.force_login(outsider)
    foreign = draft_a.source

    assert client.get(f"{step_url('source', own.pk)}?connection={foreign.pk}").status_code == 404
    response = client.post(f"{step_url('source', own.pk)}?connection={foreign.pk}",
                           {"name": "Rippling A", "base_url": foreign.base_url, "cred_api_key": "x"})
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.source is None
    assert "Rippling A" not in client.get(step_url("source", own.pk)).content.decode()
    foreign.refresh_from_db()
    assert foreign.credentials == {"api_key": SECRET}


def test_anonymous_is_sent_to_login(client, draft_a):
    for url in [reverse("customer_admin:wizard_start")] + draft_urls(draft_a):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
