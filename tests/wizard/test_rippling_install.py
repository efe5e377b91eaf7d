"""The wizard offers both ways into Rippling: an API key, or an App Shop install ("Connect Rippling")."""
from urllib.parse import urlsplit

import requests

from sandbox.vendors.rippling import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from syncs.models import Integration
from tests.wizard.conftest import Wizard


def test_a_source_connected_by_app_shop_install_passes_the_step(client, owner, tenant_a, sandbox):
    client.force_login(owner)
    wizard = Wizard(client, sandbox, tenant_a)
    wizard.start()

    page = wizard.connect("source", "rippling", "Rippling (App Shop)", cred_api_key="",
                          cred_client_id=OAUTH_CLIENT_ID, cred_client_secret=OAUTH_CLIENT_SECRET)
    html = page.content.decode()
    assert 'data-ok="false"' in html and "click “Connect Rippling”" in html  # not installed yet
    assert 'id="wizard-install"' in html and 'aria-disabled="true"' in html

    install = page.context["install_url"]
    started = client.post(install, {"next": page.context["here"]})
    approved = requests.get(started["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(approved.headers["Location"])
    landed = client.get(f"{back.path}?{back.query}")

    assert landed["Location"] == page.context["here"]
    after = client.get(landed["Location"]).content.decode()
    assert 'id="wizard-next"' in after and 'aria-disabled="true"' not in after
    assert "App Shop install can read workers" in after


def test_an_api_key_source_still_passes_and_shows_the_install_choice(client, owner, tenant_a, sandbox):
    client.force_login(owner)
    wizard = Wizard(client, sandbox, tenant_a)
    wizard.start()

    html = wizard.connect("source", "rippling", "Rippling").content.decode()

    assert 'data-ok="true"' in html and "the API key can read workers" in html
    assert "Or sign in at Rippling" in html
    assert not Integration.objects.filter(enabled=True).exists()
