"""The egress rules themselves: vendor domains, the operator's allowlist, pinning, and the test throttle."""
import pytest
import requests
from django.urls import reverse

from connections.models import AllowedHost
from connections.services import ConnectionTestThrottled, connection_test
from mlconnector.netguard import PinnedAdapter, host_matches
from tests.factories import ConnectionFactory
from tests.support.api_client import api_client as api
from tests.support.bait_server import BaitServer


@pytest.fixture
def bait():
    server = BaitServer(status=200, body={"results": [], "next_link": None})
    yield server
    server.stop()


def test_host_patterns_match_subdomains_but_not_lookalikes():
    assert host_matches("api.finance.visma.net", ["*.visma.net"])
    assert not host_matches("visma.net.attacker.com", ["*.visma.net"])
    assert not host_matches("evilvisma.net", ["*.visma.net"])
    assert host_matches("connect.visma.com", ["connect.visma.com"])


def test_the_connection_goes_to_the_checked_address_with_the_name_kept_in_host(bait):
    # The name does not resolve at all: only the checked address is used, DNS is not asked again.
    session = requests.Session()
    session.mount("http://", PinnedAdapter(lambda host, port: "127.0.0.1"))

    response = session.get(f"http://vendor.invalid:{bait.port}/workers/", timeout=5)

    assert response.status_code == 200
    assert bait.seen[0].headers["Host"] == f"vendor.invalid:{bait.port}"


def create_rippling(client, tenant, base_url):
    return client.post(f"/api/v1/tenants/{tenant.slug}/connections", {
        "kind": "rippling", "name": "Rippling", "base_url": base_url, "credentials": {"api_key": "k"}},
        format="json")


def test_the_api_refuses_hosts_outside_the_vendors_domains_unless_an_operator_allowed_them(
        owner, outsider, tenant_a, tenant_b, settings):
    settings.SANDBOX_HOSTS_ALLOWED = False
    for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080", "https://proxy.example.com"):
        refused = create_rippling(api(owner), tenant_a, url)
        assert refused.status_code == 400, refused.content
        assert "Not allowed" in refused.json()["base_url"][0]

    AllowedHost.objects.create(tenant=tenant_a, host="proxy.example.com", reason="customer's egress proxy")

    assert create_rippling(api(owner), tenant_a, "https://proxy.example.com").status_code == 201
    assert create_rippling(api(outsider), tenant_b, "https://proxy.example.com").status_code == 400


def test_allowed_hosts_are_set_on_the_operators_site_only(client, owner, tenant_a):
    client.force_login(owner)
    assert client.get("/admin/connections/allowedhost/").status_code == 404
    assert client.get("/ops/connections/allowedhost/").status_code in (302, 403)


def test_connection_tests_are_throttled_per_tenant(settings, tenant_a, tenant_b, bait, owner):
    settings.SANDBOX_HOSTS_ALLOWED = True
    settings.CONNECTION_TEST_RATE_PER_MINUTE = 3
    connection = ConnectionFactory(tenant=tenant_a, kind="rippling", base_url=bait.url, credentials={"api_key": "k"})
    for _ in range(3):
        connection_test(connection=connection)
    calls = len(bait.seen)

    with pytest.raises(ConnectionTestThrottled):
        connection_test(connection=connection)
    throttled = api(owner).post(f"/api/v1/tenants/{tenant_a.slug}/connections/{connection.pk}/test")
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert len(bait.seen) == calls  # nothing more was sent

    other = ConnectionFactory(tenant=tenant_b, kind="rippling", base_url=bait.url, credentials={"api_key": "k"})
    assert connection_test(connection=other).ok  # another tenant has its own budget


def test_the_admin_says_when_the_test_budget_is_used_up(settings, client, owner, tenant_a, bait):
    settings.SANDBOX_HOSTS_ALLOWED = True
    settings.CONNECTION_TEST_RATE_PER_MINUTE = 1
    connection = ConnectionFactory(tenant=tenant_a, kind="rippling", base_url=bait.url, credentials={"api_key": "k"})
    client.force_login(owner)
    url = reverse("customer_admin:connections_connection_test", args=[connection.pk])

    client.post(url)
    page = client.post(url, follow=True)

    assert "Too many connection tests" in page.content.decode()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fd00:ec2::254", "fe80::1",
                                     "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::"])
def test_non_public_addresses_are_recognised_also_when_wrapped_in_ipv6(address):
    from mlconnector.netguard import address_is_public

    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address):
    from mlconnector.netguard import address_is_public

    assert address_is_public(address)


def test_an_operator_adds_an_allowed_host_on_the_ops_site(client, tenant_a, django_user_model):
    staff = django_user_model.objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(staff)

    bad = client.post("/ops/connections/allowedhost/add/", {"tenant": tenant_a.pk, "host": "https://x.example.com/"})
    good = client.post("/ops/connections/allowedhost/add/", {"tenant": tenant_a.pk, "host": "*.erp.example.com",
                                                             "reason": "regional host"})

    assert bad.status_code == 200 and "without scheme" in bad.content.decode()
    assert good.status_code == 302
    assert AllowedHost.objects.get().created_by == staff
