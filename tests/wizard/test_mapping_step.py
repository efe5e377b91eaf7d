"""The wizard's mapping step, as the owner of tenant A against the sandboxes: the values offered are read live
from both vendors, what is posted is saved through the services, a flow without the hook (or a vendor that cannot
be read) gets values typed in, and a translation typed before it was a choice is refused."""
from sandbox.vendors.rippling import DEPARTMENTS
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import FieldMapping, ValueMapping
from tests.wizard.conftest import WRONG_API_KEY, department_targets
from wizard.models import IntegrationDraft


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
