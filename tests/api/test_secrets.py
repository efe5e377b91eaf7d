"""No credential value leaves through the API: not in any response, not in the schema, not in errors."""
from __future__ import annotations

import pytest
from django.urls import reverse

from connections.vendors import all_vendors
from demo.setup import sandbox_connection_fields
from tests.api.conftest import PERSONAL, SECRET
from tests.api.test_access import ENDPOINTS


def secret_for(field_name: str) -> str:
    return f"{SECRET}-{field_name}"


def test_no_endpoint_ever_shows_a_secret(client_for, owner, objects, django_capture_on_commit_callbacks):
    api = client_for(owner)
    seen = []
    with django_capture_on_commit_callbacks():
        for endpoint in sorted(ENDPOINTS, key=lambda e: e.writes):  # reads first, then writes
            response = endpoint.call(api, objects)
            assert response.status_code < 500, (endpoint, response.content)
            seen.append(response.content.decode())
    seen += [api.get(reverse(name)).content.decode() for name in ("api:tenants", "api:vendors", "api:flows")]
    seen.append(api.get(reverse("api-schema")).content.decode())
    for body in seen:
        assert SECRET not in body
        assert PERSONAL not in body


@pytest.mark.parametrize("vendor", all_vendors(), ids=lambda v: v.kind)
def test_a_connection_of_every_vendor_hides_its_secrets(client_for, owner, tenant_a, sandbox, vendor):
    """Created with secrets the sandbox refuses, so the test's error message is checked too."""
    api = client_for(owner)
    fields = sandbox_connection_fields(vendor.kind, sandbox.url)
    # Optional public fields (a webhook user name) have no sandbox value: any will do.
    credentials = {f.name: secret_for(f.name) if f.secret else fields["credentials"].get(f.name, f"{f.name}-1")
                   for f in vendor.credential_fields}
    created = api.post(reverse("api:connections", kwargs={"tenant_slug": tenant_a.slug}), {
        "kind": vendor.kind, "name": vendor.label, "base_url": fields["base_url"], "credentials": credentials,
        "config": {k: v for k, v in fields["config"].items() if k in {c.name for c in vendor.config_fields}}})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["credentials_set"] == sorted(credentials)
    assert set(created.json()["credentials_public"]) == {f.name for f in vendor.credential_fields if not f.secret}

    item = reverse("api:connection", kwargs={"tenant_slug": tenant_a.slug, "pk": pk})
    tested = api.post(reverse("api:connection-test", kwargs={"tenant_slug": tenant_a.slug, "pk": pk}))
    assert tested.json()["ok"] is False, tested.json()
    bodies = [created, tested, api.get(item), api.patch(item, {"name": f"{vendor.label} 2"}),
              api.get(reverse("api:connections", kwargs={"tenant_slug": tenant_a.slug}))]
    for response in bodies:
        assert response.status_code == 200 or response is created
        assert SECRET not in response.content.decode(), response.content
