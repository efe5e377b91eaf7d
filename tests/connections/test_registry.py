import pytest

from connections.vendors import all_vendors, get_vendor, vendor_choices
from connections.vendors.base import BaseClient
from connections.vendors.errors import VendorConfigurationError
from sandbox.vendors import SANDBOXES

EXPECTED = {"dayforce", "paychex", "rippling", "visma", "powerbi", "monday"}


def test_it_registers_all_six_vendors():
    assert {vendor.kind for vendor in all_vendors()} == EXPECTED
    assert len(vendor_choices()) == 6


def test_every_vendor_has_a_client_credentials_and_a_sandbox():
    sandbox_names = {cls.name for cls in SANDBOXES}
    for vendor in all_vendors():
        assert issubclass(vendor.client_class, BaseClient)
        assert vendor.credential_fields, vendor.kind
        assert any(field.secret for field in vendor.credential_fields), vendor.kind
        assert vendor.default_base_url.startswith("https://"), vendor.kind
        assert vendor.kind in sandbox_names


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(VendorConfigurationError, match="known: dayforce"):
        get_vendor("sap")
