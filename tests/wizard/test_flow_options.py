"""A flow's own choices in the wizard (OPTION_CHOICES): Dayforce → Visma asks how Visma keeps the org
hierarchy and whether journals need a second person's approval; the answers land in the integration's options."""
from wizard.models import IntegrationDraft


def test_the_streams_step_asks_the_flows_options_and_stores_them(wizard, sandbox):
    wizard.start(name="Payroll", flow_kind="dayforce_visma")
    wizard.connect("source", "dayforce", "Dayforce")
    wizard.connect("destination", "visma", "Visma")

    page = wizard.client.get(wizard.url("streams"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-option="hierarchy_mode"' in html and 'data-option="approval_required"' in html
    form = page.context["form"]
    assert form["option0"].value() == "0" and form["option1"].value() == "0"  # flattened, no approval

    response = wizard.client.post(wizard.url("streams"), {"streams": ["org_units", "employees", "pay_runs"],
                                                          "option0": "1", "option1": "1"})

    assert response.status_code == 302, response.content.decode()[:2000]
    options = IntegrationDraft.objects.get(pk=wizard.draft_id).integration.options
    assert options["hierarchy_mode"] == "nested" and options["approval_required"] is True
    again = wizard.client.get(wizard.url("streams")).context["form"]
    assert again["option0"].value() == "1" and again["option1"].value() == "1"


def test_a_flow_without_options_asks_nothing_more(wizard, sandbox):
    wizard.start()
    wizard.connect_both()

    page = wizard.client.get(wizard.url("streams"))

    assert 'data-test="flow-option"' not in page.content.decode()
    wizard.streams()
