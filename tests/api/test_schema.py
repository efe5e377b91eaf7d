"""The OpenAPI schema: generated without warnings, served with Swagger UI from our own static files,
and every operation fuzzed by schemathesis as a tenant owner: no input may cause a server error."""
from __future__ import annotations

import io

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.urls import reverse
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from mlconnector.wsgi import application


def test_the_schema_generates_without_warnings_and_validates():
    out = io.StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", "--format", "openapi-json", stdout=out)
    assert '"/api/v1/tenants/{tenant_slug}/integrations/{id}/replay"' in out.getvalue()


def test_the_docs_load_swagger_ui_from_our_own_static_files(client):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert client.get(reverse("api-schema")).status_code == 200


def real_ids(objects, path: str) -> dict[str, int]:
    """Ids of tenant A's objects for the path's parameters, so fuzzing reaches past the 404s."""
    # drf-spectacular names a <pk> of the URL "id" in the schema.
    pk = {
        "/connections/": objects.source.pk,  # the sandbox connection: testing it is real HTTP, but local
        "/integrations/{id}": objects.integration.pk,
        "/value-mappings/": objects.value_mapping.pk,
        "/field-mappings/": objects.field_mapping.pk,
        "/runs/": objects.run.pk,
        "/audit-records/": objects.audit.pk,
    }
    ids = {"integration_id": objects.integration.pk}
    ids.update({"id": value for fragment, value in pk.items() if fragment in path})
    return ids


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests through the WSGI app would close the database connection after each response, and with
    it the test's transaction; django.test.Client disconnects this handler in the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection: generating the schema needs neither the database nor a request user.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Under pytest-xdist the per-operation items below were reported as one test (3 here, not 37): `make test`
# runs this file after its parallel pass, in one process.
pytestmark = pytest.mark.serial


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_causes_a_server_error(case, objects, owner, wsgi_in_test_transaction):
    token, _ = Token.objects.get_or_create(user=owner)
    parameters = case.path_parameters or {}
    if "tenant_slug" in parameters:
        parameters["tenant_slug"] = objects.tenant.slug
        # Half of the generated ids (the even ones) are swapped for real ones; the rest stay random (404s).
        for name, value in real_ids(objects, case.operation.path).items():
            if name in parameters and isinstance(parameters[name], int) and parameters[name] % 2 == 0:
                parameters[name] = value
    # Every example starts from the same data: what one example writes is rolled back.
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Token {token.key}"})
        transaction.set_rollback(True)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
