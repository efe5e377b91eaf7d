"""The setup wizard end to end, as the owner of tenant A, over real HTTP to the Rippling and Visma sandboxes: the
whole walk, drafts resumed and discarded, the way in from the integration list. Each step's own cases are in
test_connection_steps.py, test_mapping_step.py and test_preview_and_enable.py."""
from django.urls import reverse

from connections.models import Connection
from syncs.models import Integration, SyncRun
from tests.wizard.conftest import department_targets
from wizard.models import IntegrationDraft


def test_it_walks_the_whole_wizard(wizard, sandbox):
    index = wizard.client.get(reverse("customer_admin:index")).content.decode()
    assert 'id="wizard-start-link"' in index and reverse("customer_admin:wizard_start") in index

    wizard.start()
    source = wizard.connect("source", "rippling", "Rippling")
    assert 'data-ok="true"' in source.content.decode()
    assert "Connected to Rippling" in source.content.decode()
    destination = wizard.connect("destination", "visma", "Visma")
    assert "Connected to Visma.net" in destination.content.decode()
    wizard.streams("departments", "employees")
    page = wizard.client.get(wizard.url("mappings"))
    wizard.mappings(department_targets(page, engineering="IT", people="HR", platform="OPS"))
    wizard.schedule(30)
    preview = wizard.preview()
    assert preview.context["preview"].counts["hold"] == 0

    response = wizard.client.post(wizard.url("enable"))

    integration = Integration.objects.get(name="HR → ERP")
    assert response.status_code == 302
    assert response["Location"] == reverse("customer_admin:syncs_integration_change", args=[integration.pk])
    assert integration.enabled and integration.every_minutes == 30
    assert integration.streams == ["departments", "employees"]
    assert integration.periodic_task.enabled and integration.periodic_task.interval.every == 30
    assert SyncRun.objects.filter(integration=integration, dry_run=False, status=SyncRun.Status.QUEUED).count() == 1
    assert IntegrationDraft.objects.get(pk=wizard.draft_id).completed_at is not None
    # A finished draft sends its pages to the integration, and is no longer offered to continue.
    assert wizard.client.get(wizard.url("mappings"))["Location"] == response["Location"]
    start = wizard.client.get(reverse("customer_admin:wizard_start"))
    assert not start.context["drafts"]


def test_a_draft_can_be_resumed_and_discarded(wizard, sandbox):
    wizard.start()
    wizard.connect_both()

    start = wizard.client.get(reverse("customer_admin:wizard_start")).content.decode()
    assert 'data-test="wizard-draft"' in start and f'href="{wizard.url("streams")}"' in start

    integration = IntegrationDraft.objects.get(pk=wizard.draft_id).integration
    assert integration is not None and not integration.enabled
    response = wizard.client.post(wizard.url("discard"))
    assert response.status_code == 302
    assert not IntegrationDraft.objects.filter(pk=wizard.draft_id).exists()
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert Connection.objects.count() == 2  # the connections stay for the next attempt


def test_the_integration_list_links_to_the_wizard(wizard, member, client, tenant_a):
    listing = wizard.client.get(reverse("customer_admin:syncs_integration_changelist")).content.decode()
    assert 'id="wizard-start-link"' in listing

    client.force_login(member)
    assert 'id="wizard-start-link"' not in client.get(reverse("customer_admin:index")).content.decode()
