"""Only flows that are built are registered: API, wizard and model know exactly the discovered packages."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from syncs.flows import FLOWS, flow_choices, get_flow
from syncs.flows.base import Trigger, WriteMode
from syncs.models import flow_kind_validate

BUILT = {"rippling_visma", "dayforce_visma", "paychex_visma", "visma_powerbi", "visma_monday"}


def test_discovery_registers_the_built_flows_only():
    assert BUILT <= set(FLOWS)
    assert not {k for k in FLOWS if not k.startswith(("test_", "api_"))} - BUILT  # no phantom flows
    assert get_flow("rippling_visma").module_path == "syncs.flows.rippling_visma"
    with pytest.raises(LookupError):
        get_flow("visma_hubspot")  # not a flow here


def test_flow_kind_is_validated_against_the_registry_without_choices():
    flow_kind_validate("rippling_visma")
    with pytest.raises(ValidationError):
        flow_kind_validate("visma_hubspot")


def test_rippling_visma_streams_declare_how_they_work():
    from syncs.flows.rippling_visma import Departments, Employees

    assert Employees.write_mode == WriteMode.UPSERT and Employees.triggers == frozenset({Trigger.POLL, Trigger.WEBHOOK})
    assert Departments.write_mode == WriteMode.REFERENCE
    assert Employees.natural_key(None, {"employeeCd": "12"}) == "12"


def test_visma_powerbi_streams_append_in_batches_of_10000():
    from syncs.flows.visma_powerbi import build_streams
    from syncs.flows.visma_powerbi.table_stream import PowerBITableStream

    assert get_flow("visma_powerbi").streams == ("GLAccounts", "Dimensions", "SupplierInvoices", "CustomerInvoices",
                                                 "Payments", "JournalLines")
    assert PowerBITableStream.write_mode == WriteMode.APPEND and PowerBITableStream.batch_size == 10_000
    assert build_streams


def test_dayforce_visma_streams_declare_how_they_work():
    from syncs.flows.dayforce_visma import Employees, OrgUnits

    assert Employees.write_mode == OrgUnits.write_mode == WriteMode.UPSERT
    assert Employees.triggers == OrgUnits.triggers == frozenset({Trigger.POLL})  # Dayforce has no webhooks
    assert OrgUnits.natural_key(None, {"value_id": "5000"}) == "5000"


def test_paychex_visma_streams_declare_how_they_work():
    from syncs.flows.paychex_visma import Employees, Organizations

    assert Employees.write_mode == WriteMode.UPSERT and Employees.triggers == frozenset({Trigger.POLL, Trigger.WEBHOOK})
    assert Employees.webhook_events == frozenset({"WORKER_MESSAGE"})
    assert Organizations.write_mode == WriteMode.REFERENCE and Organizations.triggers == frozenset({Trigger.POLL})
    assert Employees.natural_key(None, {"employeeCd": "105"}) == "105"


def test_the_api_and_the_wizard_offer_only_built_flows(client, owner):
    client.force_login(owner)
    listed = {f["kind"] for f in client.get(reverse("api:flows")).json()}
    offered = {kind for kind, _ in flow_choices()}
    start = client.get(reverse("customer_admin:wizard_start")).content.decode()

    assert listed & BUILT == BUILT and not listed - set(FLOWS)
    assert BUILT <= offered
    assert "Coming next" not in start and "Rippling → Visma.net" in start and "Visma.net ↔ monday.com" in start
    assert "Paychex Flex → Visma.net" in start and "Visma.net → Power BI" in start
