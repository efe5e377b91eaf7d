"""The setup wizard end to end, as the owner of tenant A, over real HTTP to the Rippling and Visma sandboxes."""
from django.urls import reverse

from connections.models import Connection
from sandbox.vendors.rippling import DEPARTMENTS
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import FieldMapping, Integration, PendingRecord, SyncRun, ValueMapping
from tests.wizard.conftest import WRONG_API_KEY, department_targets, writes
from wizard.models import IntegrationDraft
from tests.admin.page import find_all
from wizard.services import draft_webhooks_register

VISMA_SECRET = "visma-sandbox-secret"


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


def test_a_failed_connection_test_shows_the_vendors_message_and_blocks_the_next_step(wizard, sandbox):
    wizard.start()

    page = wizard.connect("source", "rippling", "Rippling", cred_api_key=WRONG_API_KEY).content.decode()

    assert 'id="wizard-test-result"' in page and 'data-ok="false"' in page
    assert "Rippling rejected the API key" in page
    assert 'aria-disabled="true"' in page  # Next is locked
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.source.status == Connection.Status.FAILED and draft.step == IntegrationDraft.Step.SOURCE
    blocked = wizard.client.get(wizard.url("destination"))
    assert blocked.status_code == 302 and blocked["Location"] == wizard.url("source")
    assert wizard.client.get(wizard.url("preview"))["Location"] == wizard.url("source")

    # Fixing the key on the same connection opens the next step.
    fixed = wizard.connect("source", "rippling", "Rippling", connection=draft.source_id).content.decode()
    assert 'data-ok="true"' in fixed
    assert f'<a href="{wizard.url("destination")}" class="button default" id="wizard-next"' in fixed
    assert Connection.objects.filter(kind="rippling").count() == 1


def test_a_failed_visma_token_says_what_visma_said(wizard, sandbox):
    wizard.start()
    wizard.connect("source", "rippling", "Rippling")

    page = wizard.connect("destination", "visma", "Visma", cred_client_secret="not-the-secret").content.decode()

    assert 'data-ok="false"' in page and "Visma.net refused to issue a token" in page
    assert IntegrationDraft.objects.get(pk=wizard.draft_id).integration is None


def test_credentials_are_write_only(wizard, sandbox):
    wizard.start()
    wizard.connect("source", "rippling", "Rippling")
    page = wizard.connect("destination", "visma", "Visma").content.decode()

    assert VISMA_SECRET not in page
    assert "(stored)" in page  # the secret field says a value is stored, without showing it
    again = wizard.client.get(wizard.url("source")).content.decode()
    from sandbox.vendors.rippling import DEMO_API_KEY
    assert DEMO_API_KEY not in again


def test_an_existing_connection_is_reused(wizard, sandbox, tenant_a, make_sandbox_connection):
    existing = make_sandbox_connection("rippling", tenant=tenant_a, name="Our Rippling")
    wizard.start()

    page = wizard.client.get(wizard.url("source")).content.decode()
    assert "Our Rippling" in page
    response = wizard.client.post(f"{wizard.url('source')}?connection={existing.pk}",
                                  {"name": "Our Rippling", "base_url": existing.base_url, "cred_api_key": "",
                                   # the form shows the stored settings, so a browser posts them back
                                   **{f"cfg_{k}": v for k, v in existing.config.items()}})

    assert response.status_code == 302
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.source == existing and Connection.objects.filter(kind="rippling").count() == 1
    existing.refresh_from_db()
    assert existing.status == Connection.Status.OK  # tested with the stored key


def test_the_mapping_page_offers_the_live_department_values(wizard, sandbox):
    wizard.start()
    wizard.connect_both()
    wizard.streams()
    sandbox.app["rippling"].add_department("Research")

    page = wizard.client.get(wizard.url("mappings"))

    html = page.content.decode()
    assert 'data-map="department_to_cost_center"' in html
    for name in ("Engineering", "People", "Platform", "Research"):  # read from Rippling just now
        assert name in html
    for department_id in DEPARTMENTS.values():
        assert f'data-source-value="{department_id}"' in html
    for visma_department in ("ADM", "FIN", "HR", "IT", "OPS", "SALES"):  # read from Visma just now
        assert f'<option value="{visma_department}"' in html
    # The field rules, with the paths of a real Rippling worker offered for them.
    assert 'data-target="contact.email"' in html and '<option value="work_email">' in html
    assert sandbox.app.log.filter(vendor="visma", path_contains="/v1/department")


def test_mappings_are_saved_through_the_services(wizard, sandbox):
    wizard.start()
    wizard.connect_both()
    wizard.streams()
    page = wizard.client.get(wizard.url("mappings"))
    form = page.context["form"]
    employees = next(t for t in form.field_tables() if t.stream.stream == "employees")
    title = next(r for r in employees.rows if r.target == "contact.title")
    extra = next(r for r in employees.rows if r.target_input is not None)

    wizard.mappings({**department_targets(page, engineering="IT", people="HR"),
                     title.source.html_name: "department.name",
                     extra.target_input.html_name: "contact.phone1", extra.source.html_name: "phone_number"})

    integration = IntegrationDraft.objects.get(pk=wizard.draft_id).integration
    assert dict(ValueMapping.objects.filter(integration=integration, map_name=DEPARTMENT_MAP)
                .values_list("source_value", "target_value")) == {DEPARTMENTS["engineering"]: "IT",
                                                                  DEPARTMENTS["people"]: "HR"}
    overrides = dict(FieldMapping.objects.filter(integration=integration).values_list("target_field", "source_field"))
    assert overrides == {"contact.title": "department.name", "contact.phone1": "phone_number"}

    # Going back shows what was saved; clearing a mapping removes it.
    again = wizard.client.get(wizard.url("mappings"))
    wizard.mappings({**department_targets(again, people=""), title.source.html_name: "title"})
    assert set(ValueMapping.objects.filter(integration=integration).values_list("target_value", flat=True)) == {"IT"}
    assert list(FieldMapping.objects.filter(integration=integration).values_list("target_field", flat=True)) == [
        "contact.phone1"]


def test_a_field_translation_typed_before_it_was_a_choice_is_refused_not_kept(wizard, sandbox):
    wizard.start()
    wizard.connect_both()
    wizard.streams()
    page = wizard.client.get(wizard.url("mappings"))
    title = next(r for r in next(t for t in page.context["form"].field_tables() if t.stream.stream == "employees")
                 .rows if r.target == "contact.title")
    wizard.mappings({title.source.html_name: "department.name"})
    FieldMapping.objects.filter(target_field="contact.title").update(value_map="departmnet_map")  # typed, before

    posted = {name: page.context["form"][name].value() or "" for name in page.context["form"].fields}
    response = wizard.client.post(wizard.url("mappings"), {**posted, title.source.html_name: "phone_number"})

    assert response.status_code == 400
    assert "contact.title: “departmnet_map” is not a translation" in response.context["form"].non_field_errors()[0]
    assert FieldMapping.objects.get(target_field="contact.title").source_field == "department.name"


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


def test_a_flow_without_the_hook_gets_free_text_value_mappings(wizard, sandbox):
    from tests.syncs import flow_under_test as flow

    wizard.start(name="Customers to suppliers", flow_kind=flow.KIND)
    wizard.connect("source", "visma", "Visma one")
    wizard.connect("destination", "visma", "Visma two")
    wizard.streams("customers")

    page = wizard.client.get(wizard.url("mappings"))

    tables = page.context["form"].value_tables()
    assert [t.choices.map_name for t in tables] == [flow.CLASS_MAP] and tables[0].free_text
    first = tables[0].rows[0]
    wizard.mappings({first.source.html_name: "DOM", first.target.html_name: "DOM"})
    integration = IntegrationDraft.objects.get(pk=wizard.draft_id).integration
    assert ValueMapping.objects.get(integration=integration, map_name=flow.CLASS_MAP).target_value == "DOM"


def test_when_the_vendor_cannot_be_read_the_values_are_typed_in(wizard, sandbox):
    wizard.start()
    wizard.connect_both()
    wizard.streams()
    source = IntegrationDraft.objects.get(pk=wizard.draft_id).source
    source.credentials = {"api_key": WRONG_API_KEY}  # revoked at Rippling after the test passed
    source.save()

    page = wizard.client.get(wizard.url("mappings"))

    html = page.content.decode()
    assert 'id="wizard-choices-error"' in html and "Rippling answered 401" in html, page.context["page"].error
    table = page.context["form"].value_tables()[0]
    assert table.choices.map_name == DEPARTMENT_MAP and table.free_text
    wizard.mappings({table.rows[0].source.html_name: DEPARTMENTS["platform"], table.rows[0].target.html_name: "OPS"})
    assert ValueMapping.objects.get(source_value=DEPARTMENTS["platform"]).target_value == "OPS"


def test_moving_an_existing_connection_needs_its_secret_again(wizard, sandbox, tenant_a, make_sandbox_connection):
    existing = make_sandbox_connection("rippling", tenant=tenant_a, name="Our Rippling")
    wizard.start()
    moved = {"name": "Our Rippling", "base_url": "https://rest.ripplingsandboxapis.com", "cred_api_key": ""}

    refused = wizard.client.post(f"{wizard.url('source')}?connection={existing.pk}", moved)

    assert refused.status_code == 400 and "enter this secret again" in refused.content.decode()
    existing.refresh_from_db()
    assert existing.base_url == f"{sandbox.url}/rippling"


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


def pills(page) -> dict[str, str]:
    return {li["data-step"]: li["data-state"] for li in find_all(page) if li.tag == "li" and "data-state" in li.attrs}


def test_a_connection_failing_later_sends_the_draft_back_and_no_later_step_claims_done(mapped_wizard):
    wizard = mapped_wizard
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.step == IntegrationDraft.Step.PREVIEW

    page = wizard.connect("destination", "visma", "Visma", connection=draft.destination_id,
                          cred_client_secret="not-the-secret")

    draft.refresh_from_db()
    assert draft.destination.status == Connection.Status.FAILED
    assert draft.step == IntegrationDraft.Step.DESTINATION  # not kept as if usable
    states = pills(page)
    assert states["source"] == "done" and states["destination"] == "current"
    assert all(states[s] == "locked" for s in ("streams", "mappings", "schedule", "preview", "enable")), states
    current = [li for li in find_all(page) if li.tag == "li" and li.get("aria-current")]
    assert [(li["data-step"], li["aria-current"]) for li in current] == [("destination", "step")]
    # From the source step, the failing destination says so, and nothing after it is done.
    states = pills(wizard.client.get(wizard.url("source")))
    assert states["destination"] == "failed"
    assert "done" not in {states[s] for s in ("streams", "mappings", "schedule", "preview", "enable")}
