"""The wizard's last steps, as the owner of tenant A against the sandboxes: the dry run shows creates and holds and
writes nothing, enabling needs a preview, schedules the integration and queues its first run, and registers a
Paychex integration's webhooks once."""
from syncs.models import Integration, PendingRecord, SyncRun
from tests.wizard.conftest import writes
from wizard.models import IntegrationDraft
from wizard.services import draft_webhooks_register


def test_the_dry_run_shows_creates_and_a_hold_with_its_reason_and_writes_nothing(mapped_wizard, sandbox):
    sandbox.app.log.clear()

    page = mapped_wizard.preview(limit=10)

    preview = page.context["preview"]
    assert preview.run.dry_run and preview.run.status == SyncRun.Status.PARTIAL
    creates = [r for r in preview.rows if r.action == "create" and r.stream == "employees"]
    holds = [r for r in preview.rows if r.action == "hold"]
    assert creates and all('"contact"' in r.payload and '"department"' in r.payload for r in creates)
    assert {r.stream for r in holds} == {"departments", "employees"}  # Platform, and Alan Turing who works there
    assert all("department 'Platform'" in r.reason for r in holds)
    html = page.content.decode()
    assert 'data-action="hold"' in html and "department &#x27;Platform&#x27;" in html
    assert 'data-action="create"' in html and "&quot;employeeCd&quot;" in html
    assert writes(sandbox) == []
    integration = IntegrationDraft.objects.get(pk=mapped_wizard.draft_id).integration
    assert not PendingRecord.objects.filter(integration=integration).exists()  # a dry run holds nothing for real
    assert not integration.enabled


def test_the_dry_run_reads_only_the_first_records(mapped_wizard, sandbox):
    page = mapped_wizard.preview(limit=2)

    preview = page.context["preview"]
    assert len([r for r in preview.rows if r.stream == "employees"]) == 2
    assert len([r for r in preview.rows if r.stream == "departments"]) == 2
    assert preview.run.read == 4


def test_enable_needs_a_preview_first(mapped_wizard):
    response = mapped_wizard.client.post(mapped_wizard.url("enable"))

    assert response.status_code == 302 and response["Location"] == mapped_wizard.url("preview")
    assert not Integration.objects.get(name="HR → ERP").enabled


def test_enable_creates_a_scheduled_integration_and_queues_its_first_run(mapped_wizard,
                                                                         django_capture_on_commit_callbacks):
    mapped_wizard.preview()

    with django_capture_on_commit_callbacks() as callbacks:
        response = mapped_wizard.client.post(mapped_wizard.url("enable"))

    integration = Integration.objects.get(name="HR → ERP")
    assert response.status_code == 302 and integration.enabled
    assert integration.periodic_task.enabled and integration.periodic_task.interval.every == 30
    run = SyncRun.objects.get(integration=integration, dry_run=False)
    assert run.status == SyncRun.Status.QUEUED and run.trigger == SyncRun.Trigger.MANUAL
    assert len(callbacks) == 1  # the run is handed to the workers once the transaction commits


def test_enabling_a_paychex_integration_registers_its_webhooks_once(wizard, sandbox, settings):
    settings.SITE_URL = "https://connector.example.com"
    wizard.start(name="Payroll → ERP", flow_kind="paychex_visma")
    wizard.connect("source", "paychex", "Paychex")
    wizard.connect("destination", "visma", "Visma")
    wizard.streams("organizations", "employees")
    wizard.mappings()
    wizard.schedule(60)
    wizard.preview()

    page = wizard.client.post(wizard.url("enable"), follow=True)

    source = Integration.objects.get(name="Payroll → ERP").source
    [hook] = sandbox.app["paychex"].dispatcher.hooks.values()
    assert hook["uri"] == f"https://connector.example.com/hooks/{source.webhook_token}/"
    assert "Paychex now notifies this integration of changes (WRKR_DEM, WRKR_CMP" in page.content.decode()
    assert draft_webhooks_register(draft=IntegrationDraft.objects.get(pk=wizard.draft_id)) is None  # only once
