"""The API docs say what each endpoint does (who may call it is said once), show the reader's own tenant
slug, and link to the guide by a URL this server serves."""
import json

from django.urls import reverse


def schema_as(client, user=None):
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def tenant_operations(schema):
    return [(path, method, op) for path, ops in schema["paths"].items() if "{tenant_slug}" in path
            for method, op in ops.items()]


def test_every_tenant_endpoint_says_what_it_does_not_who_may_call_it(client, owner):
    schema = schema_as(client, owner)
    for path, method, operation in tenant_operations(schema):
        description = operation.get("description", "")
        assert description and "may read" not in description and "403 for viewers" not in description, \
            f"{method.upper()} {path}: {description!r}"
    assert "Who may do what" in schema["info"]["description"]


def test_the_docs_show_the_readers_own_tenant_slug(client, owner, tenant_a, tenant_b):
    schema = schema_as(client, owner)
    assert f"`{tenant_a.slug}` ({tenant_a.name})" in schema["info"]["description"]
    assert tenant_b.slug not in json.dumps(schema)  # another company's slug is not shown
    parameter = next(p for p in schema["paths"]["/api/v1/tenants/{tenant_slug}/runs"]["get"]["parameters"]
                     if p["name"] == "tenant_slug")
    assert parameter["example"] == tenant_a.slug


def test_the_guide_is_linked_by_url_and_served(client):
    schema = schema_as(client)
    assert "docs/api.md" not in schema["info"]["description"].replace("http://testserver/docs/api.md", "")
    assert "[http://testserver/docs/api.md](http://testserver/docs/api.md)" in schema["info"]["description"]
    page = client.get("/docs/api.md")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/markdown")
    assert client.get("/docs/flows/rippling-visma.md").status_code == 200


def test_nothing_outside_the_guides_is_served(client):
    for name in ("../README.md", "../mlconnector/settings.py", "api", "screenshots/login.png", "..%2Fmanage.py"):
        assert client.get(f"/docs/{name}").status_code == 404, name
